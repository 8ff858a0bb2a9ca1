using System.Text;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Silo.Tests;

public sealed class SiteClientTests
{
    [Fact]
    public async Task An_application_client_proves_its_own_secret_and_is_held_to_its_roles()
    {
        var data = TestSupport.TempDirectory();
        try
        {
            await File.WriteAllTextAsync(Path.Combine(data, "reporting.secret"), "reporting-client-secret-0123\n");
            var configuration = SiteConfiguration.Build(["--Clients:reporting:Roles=Read", $"--Clients:reporting:SecretFile={Path.Combine(data, "reporting.secret")}"], data);
            var options = SiteConfiguration.Bind(configuration);
            var one = SiteHttpTests.OneSite(data);
            one.Clients["reporting"] = options.Clients["reporting"];
            await using var site = await SiteApplication.StartAsync(one);
            var gateway = site.Site.Host.GatewayEndPoint!;
            var secret = Encoding.UTF8.GetBytes("reporting-client-secret-0123");

            await using var reporting = await GrainClient.ConnectAsync(gateway, new GrainClientOptions { ClientId = "reporting", ClusterSecret = secret, Roles = ClientRoles.Read });
            Assert.Equal(1, (await reporting.GetGrain<ISiteGrain>(GrainKeys.Site(1)).GetStatus()).Site);
            await Assert.ThrowsAsync<GrainAccessDeniedException>(() => reporting.GetGrain<ILogShardGrain>(GrainKeys.Shard(0, 1)).Put("k"u8.ToArray(), "v"u8.ToArray(), AckPolicy.Quorum));
            await Assert.ThrowsAsync<HandshakeRejectedException>(() => GrainClient.ConnectAsync(gateway, new GrainClientOptions { ClientId = "reporting", ClusterSecret = secret, Roles = ClientRoles.Read | ClientRoles.Write }));
            await Assert.ThrowsAsync<HandshakeRejectedException>(() => GrainClient.ConnectAsync(gateway, new GrainClientOptions { ClientId = "reporting", ClusterSecret = Encoding.UTF8.GetBytes("a-wrong-secret-of-enough-bytes"), Roles = ClientRoles.Read }));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void A_client_whose_secret_file_is_missing_is_refused_by_name()
    {
        var options = new SiteOptions { SiteId = 1 };
        options.Clients["app"] = new SiteClient { SecretFile = "/nonexistent/app.secret" };
        var e = Assert.Throws<ArgumentException>(options.ReadClientCredentials);
        Assert.Equal("Clients:app: the secret file '/nonexistent/app.secret' does not exist", e.Message);
    }
}
