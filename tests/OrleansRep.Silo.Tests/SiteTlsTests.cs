using System.Security.Cryptography.X509Certificates;
using System.Text;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Silo.Tests;

public sealed class SiteTlsTests
{
    [Fact]
    public async Task A_site_with_a_certificate_serves_its_gateway_over_TLS_to_a_client_that_pins_it()
    {
        var data = TestSupport.TempDirectory();
        try
        {
            var options = SiteHttpTests.OneSite(data);
            options.CertificatePath = await TestSupport.WriteSelfSignedCertificateAsync(data, "pfx-password");
            options.CertificatePassword = "pfx-password";
            using var certificate = X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath, "pfx-password");
            await using var site = await SiteApplication.StartAsync(options);
            var secret = Encoding.UTF8.GetBytes(options.ClusterSecret!);
            using var pinned = X509CertificateLoader.LoadCertificate(certificate.RawData);

            await using var client = await GrainClient.ConnectAsync(site.Site.Host.GatewayEndPoint!, new GrainClientOptions { ClusterSecret = secret, PinnedServerCertificate = pinned });
            Assert.Equal(1, (await client.GetGrain<ISiteGrain>(GrainKeys.Site(1)).GetStatus()).Site);
            // A client that expects plain TCP gets no answer it can use.
            await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                await using var plain = await GrainClient.ConnectAsync(site.Site.Host.GatewayEndPoint!, new GrainClientOptions { ClusterSecret = secret, Limits = new TransportOptions { HandshakeTimeout = TimeSpan.FromSeconds(2) } });
            });
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void A_missing_certificate_file_is_refused_with_its_path()
    {
        var options = SiteHttpTests.OneSite("/nonexistent");
        options.CertificatePath = "/nonexistent/cluster.pfx";
        var e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal("CertificatePath: no file '/nonexistent/cluster.pfx'", e.Message);
    }
}
