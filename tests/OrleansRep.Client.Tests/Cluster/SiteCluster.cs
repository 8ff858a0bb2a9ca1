using Microsoft.Extensions.Logging.Abstractions;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Grains.Shards;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Testing;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Client.Tests.Cluster;

/// <summary>
/// Three real sites (the service's grains on a <see cref="TestCluster"/>, real engine files in a temporary directory,
/// real sockets on loopback) and clients that reach them through the silos' endpoints as gateways. The data directory
/// is kept, and named in the failure, unless the test calls <see cref="Passed"/>.
/// </summary>
internal sealed class SiteCluster : IAsyncDisposable
{
    public const int Shards = 2;

    private readonly string _data;
    private bool _passed;

    private SiteCluster(TestCluster cluster, string data)
    {
        Cluster = cluster;
        _data = data;
    }

    public TestCluster Cluster { get; }

    public static async Task<SiteCluster> StartAsync()
    {
        var data = Directory.CreateTempSubdirectory("orep-client-").FullName;
        var options = new SiteStorageOptions { DataRoot = data, Shards = Shards };
        var cluster = await TestCluster.StartAsync(new TestClusterOptions
        {
            SiloCount = 3,
            ConfigureSilo = b => b.AddOrleansRepGrains(options),
            // Lenient failure detection: the suite runs beside other assemblies on 2 cores.
            Membership = new MembershipOptions { ProbeTimeout = TimeSpan.FromSeconds(1), MissedProbesLimit = 5 },
        });
        foreach (var site in new[] { 1, 2, 3 })
        {
            await cluster.GrainFactory.GetGrain<ISiteGrain>(GrainKeys.Site(site)).Start();
        }

        return new SiteCluster(cluster, data);
    }

    /// <summary>The gateways as a user would list them ("HOST:PORT", site ids to be learned), last site first.</summary>
    public IList<string> Gateways => [.. Enumerable.Range(0, 3).Reverse().Select(i => Cluster.Silo(i).EndPoint.ToString())];

    public Task<OrleansRepClient> ConnectAsync() => OrleansRepClient.ConnectAsync(Options(), TimeProvider.System, NullLoggerFactory.Instance);

    public OrleansRepClientOptions Options() => new()
    {
        Gateways = Gateways,
        Secret = Cluster.ClusterSecret,
        Roles = ClientRoles.All,
        RetryDeadline = TimeSpan.FromSeconds(60),
    };

    /// <summary>Kills site <paramref name="site"/> as a crashed process (then lets its activations go, closing its engine files).</summary>
    public async Task KillSiteAsync(int site)
    {
        var host = Cluster.Silo(site - 1);
        await Cluster.KillSiloAsync(site - 1);
        await host.DisposeAsync();
    }

    public string Where => $"data in {_data}";

    public void Passed() => _passed = true;

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        if (_passed)
        {
            Directory.Delete(_data, recursive: true);
        }
    }
}
