using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace OrleansRep.Silo.Tests;

/// <summary>A site with a certificate serves its HTTP endpoint over HTTPS and asks for the admin's Basic credentials
/// (the cluster secret as password) everywhere but the probes.</summary>
public sealed class DashboardAuthTests
{
    private const string Secret = "silo-tests-secret-0123456789";

    [Fact]
    public async Task With_a_certificate_the_endpoint_is_https_and_every_route_but_the_probes_needs_the_admin()
    {
        var data = TestSupport.TempDirectory();
        try
        {
            var options = SiteHttpTests.OneSite(data);
            options.CertificatePath = await TestSupport.WriteSelfSignedCertificateAsync(data, "pfx-password");
            options.CertificatePassword = "pfx-password";
            using var certificate = X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath, "pfx-password");
            await using var site = await SiteApplication.StartAsync(options);
            Assert.Equal("https", site.HttpAddress.Scheme);

            using var handler = new HttpClientHandler
            {
                // Pinned: the site's own self-signed certificate, nothing else.
                ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented is not null && presented.RawData.AsSpan().SequenceEqual(certificate.RawData),
            };
            using var http = new HttpClient(handler) { BaseAddress = site.HttpAddress, Timeout = TimeSpan.FromSeconds(30) };

            foreach (var probe in new[] { "/healthz", "/metrics" })
            {
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(probe, UriKind.Relative))).StatusCode);
            }

            await TestSupport.WaitUntilAsync(async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode, () => "/readyz without credentials");

            foreach (var route in new[] { "/", "/dashboard/dashboard.js", "/api/status", "/api/dashboard" })
            {
                using var anonymous = await http.GetAsync(new Uri(route, UriKind.Relative));
                Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
                Assert.Equal("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme);
                Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Get, route, "admin", "wrong-secret")).StatusCode);
                Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Get, route, "root", Secret)).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Get, route, "admin", Secret)).StatusCode);
            }

            // The actions too: refused before anything happens.
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Post, "/api/elect", "admin", "nope", """{"shard":0}""")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Post, "/api/elect", "admin", Secret, """{"shard":0}""")).StatusCode);

            // Plain HTTP on the same port is not served.
            using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetAsync(new UriBuilder(site.HttpAddress) { Scheme = "http", Path = "/healthz" }.Uri));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string route, string user, string password, string? json = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(route, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return await http.SendAsync(request);
    }
}
