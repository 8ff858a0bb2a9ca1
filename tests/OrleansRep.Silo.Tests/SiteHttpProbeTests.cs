using System.Security.Cryptography;
using OrleansRep.Runtime.Testing;

namespace OrleansRep.Silo.Tests;

/// <summary>The local cluster's readiness probe against real sites: plain HTTP without a certificate; with one, HTTPS
/// that accepts the cluster's certificate and no other, without credentials.</summary>
public sealed class SiteHttpProbeTests
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Without_a_certificate_the_probe_asks_plain_http()
    {
        var data = TestSupport.TempDirectory();
        try
        {
            var options = SiteHttpTests.OneSite(data);
            using var probe = new SiteHttpProbe(options, RequestTimeout);
            Assert.Equal("http", probe.Scheme);
            Assert.Equal(new Uri("http://127.0.0.1:8081/readyz"), probe.Url("127.0.0.1", 8081, "/readyz"));

            await using var site = await SiteApplication.StartAsync(options);
            Assert.True(await probe.AnswersAsync(probe.Url(site.HttpAddress.Host, site.HttpAddress.Port, "/healthz"), CancellationToken.None));
            await TestSupport.WaitUntilAsync(() => probe.AnswersAsync(probe.Url(site.HttpAddress.Host, site.HttpAddress.Port, "/readyz"), CancellationToken.None), () => "/readyz over http");
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task With_a_certificate_the_probe_asks_https_and_accepts_the_clusters_certificate_only()
    {
        var data = TestSupport.TempDirectory();
        try
        {
            var options = SiteHttpTests.OneSite(data);
            options.CertificatePath = await TestSupport.WriteSelfSignedCertificateAsync(data, "pfx-password");
            options.CertificatePassword = "pfx-password";
            using var probe = new SiteHttpProbe(options, RequestTimeout);
            Assert.Equal("https", probe.Scheme);
            Assert.Equal(new Uri("https://127.0.0.1:8082/healthz"), probe.Url("127.0.0.1", 8082, "/healthz"));

            await using var site = await SiteApplication.StartAsync(options);
            var healthz = probe.Url(site.HttpAddress.Host, site.HttpAddress.Port, "/healthz");
            // No credentials: the probes are open with a certificate too (the admin's Basic auth guards the rest).
            Assert.True(await probe.AnswersAsync(healthz, CancellationToken.None), $"{healthz} with the cluster's certificate pinned");
            await TestSupport.WaitUntilAsync(() => probe.AnswersAsync(probe.Url(site.HttpAddress.Host, site.HttpAddress.Port, "/readyz"), CancellationToken.None), () => "/readyz over https");
            Assert.False(await probe.AnswersAsync(probe.Url(site.HttpAddress.Host, site.HttpAddress.Port, "/api/status"), CancellationToken.None), "/api/status answered without the admin's credentials");

            // What the local cluster did before: plain HTTP to an HTTPS endpoint never answers.
            using (var plain = new SiteHttpProbe(SiteHttpTests.OneSite(data), RequestTimeout))
            {
                Assert.False(await plain.AnswersAsync(plain.Url(site.HttpAddress.Host, site.HttpAddress.Port, "/healthz"), CancellationToken.None));
            }

            // Pinned: a site serving another certificate is not the cluster's.
            var other = Directory.CreateDirectory(Path.Combine(data, "other")).FullName;
            var otherOptions = SiteHttpTests.OneSite(data);
            otherOptions.CertificatePath = await TestSupport.WriteSelfSignedCertificateAsync(other, "other");
            otherOptions.CertificatePassword = "other";
            using (var stranger = new SiteHttpProbe(otherOptions, RequestTimeout))
            {
                Assert.False(await stranger.AnswersAsync(healthz, CancellationToken.None), "a probe pinned to another certificate accepted the site's");
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task A_closed_port_is_no_and_a_certificate_that_cannot_be_read_is_an_error()
    {
        var data = TestSupport.TempDirectory();
        try
        {
            var options = SiteHttpTests.OneSite(data);
            using (var probe = new SiteHttpProbe(options, RequestTimeout))
            {
                Assert.False(await probe.AnswersAsync(probe.Url("127.0.0.1", FreePorts.Next(), "/healthz"), CancellationToken.None));
            }

            options.CertificatePath = await TestSupport.WriteSelfSignedCertificateAsync(data, "pfx-password");
            options.CertificatePassword = "wrong";
            Assert.ThrowsAny<CryptographicException>(() => new SiteHttpProbe(options, RequestTimeout));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
