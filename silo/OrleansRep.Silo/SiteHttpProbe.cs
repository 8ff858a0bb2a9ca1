using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansRep.Silo;

/// <summary>
/// How the local cluster asks its sites' HTTP endpoints whether they are up (<c>/healthz</c>) and ready
/// (<c>/readyz</c>). Without a certificate the endpoints are plain HTTP. With one (<c>--certificate</c>) every site serves
/// HTTPS with the cluster's certificate, which is self-signed and names no host; so the probe, as the sites do when they
/// call each other, accepts that certificate and no other (pinned by its SHA-256 hash) instead of validating a chain.
/// The probes need no credentials: the admin's Basic authentication leaves <c>/healthz</c> and <c>/readyz</c> open
/// (<see cref="Dashboard.DashboardBasicAuth"/>).
/// </summary>
public sealed class SiteHttpProbe : IDisposable
{
    private readonly HttpClient _http;

    /// <summary>A probe for sites run with <paramref name="options"/>' certificate (none: plain HTTP), each request
    /// given up after <paramref name="timeout"/>.</summary>
    /// <exception cref="CryptographicException">The certificate file cannot be read (wrong password, not PKCS#12).</exception>
    public SiteHttpProbe(SiteOptions options, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.CertificatePath is null)
        {
            Scheme = Uri.UriSchemeHttp;
            _http = new HttpClient { Timeout = timeout };
            return;
        }

        Scheme = Uri.UriSchemeHttps;
        byte[] pinnedHash;
        using (var certificate = X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath, options.CertificatePassword))
        {
            pinnedHash = certificate.GetCertHash(HashAlgorithmName.SHA256);
        }

        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, _) =>
                presented is not null && CryptographicOperations.FixedTimeEquals(presented.GetCertHash(HashAlgorithmName.SHA256), pinnedHash),
        };
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = timeout };
    }

    /// <summary>"http", or "https" with a certificate.</summary>
    public string Scheme { get; }

    /// <summary>The URL of <paramref name="path"/> on the HTTP endpoint at <paramref name="host"/>:<paramref name="port"/>.</summary>
    public Uri Url(string host, int port, string path) => new UriBuilder(Scheme, host, port, path).Uri;

    /// <summary>Whether <paramref name="url"/> answers with a success status now. A refused connection, a timeout, an
    /// error status or a certificate other than the cluster's is "no".</summary>
    public async Task<bool> AnswersAsync(Uri url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(url, cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false; // this request's timeout, not the caller's cancellation
        }
    }

    public void Dispose() => _http.Dispose();
}
