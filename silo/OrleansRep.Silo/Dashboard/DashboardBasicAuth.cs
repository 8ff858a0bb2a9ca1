using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace OrleansRep.Silo.Dashboard;

/// <summary>
/// HTTP Basic authentication of the site's HTTP endpoint when the site has a certificate (so the endpoint is HTTPS
/// and the password does not travel in clear): user <see cref="User"/>, password the cluster secret as text (what the
/// secret file holds, trimmed). Asked on <c>/</c> and every route but the probes (<c>/healthz</c>, <c>/readyz</c>,
/// <c>/metrics</c>), which load balancers and Prometheus read without credentials. The password is compared in
/// constant time (both sides hashed first, so neither the content nor the length leaks through timing). Without a
/// certificate the endpoint is plain HTTP on loopback and asks for nothing.
/// </summary>
internal static class DashboardBasicAuth
{
    /// <summary>The one user name.</summary>
    public const string User = "admin";

    private static readonly string[] OpenPaths = ["/healthz", "/readyz", "/metrics"];

    /// <summary>Adds the check to <paramref name="app"/> when <paramref name="site"/> has a certificate.</summary>
    public static void Use(WebApplication app, RunningSite site)
    {
        if (site.Options.CertificatePath is null)
        {
            return;
        }

        var secretHash = SHA256.HashData(site.Options.ReadSecret());
        app.Use(async (context, next) =>
        {
            if (OpenPaths.Contains(context.Request.Path.Value, StringComparer.Ordinal) || IsAdmin(context.Request, secretHash))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"orep\", charset=\"UTF-8\"";
            await context.Response.WriteAsJsonAsync(new { error = "Unauthorized", message = $"user '{User}' with the cluster secret as password" }, SiteHttpApi.Json).ConfigureAwait(false);
        });
    }

    /// <summary>Whether <paramref name="request"/> carries Basic credentials of the admin with the secret whose SHA-256 is <paramref name="secretHash"/>.</summary>
    public static bool IsAdmin(HttpRequest request, byte[] secretHash)
    {
        var header = request.Headers.Authorization.ToString();
        const string Scheme = "Basic ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        byte[] decoded;
        try
        {
            decoded = Convert.FromBase64String(header[Scheme.Length..].Trim());
        }
        catch (FormatException)
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(decoded);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return false;
        }

        var userOk = CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(text[..colon])), SHA256.HashData(Encoding.UTF8.GetBytes(User)));
        var passwordOk = CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(text[(colon + 1)..].Trim())), secretHash);
        return userOk & passwordOk;
    }
}
