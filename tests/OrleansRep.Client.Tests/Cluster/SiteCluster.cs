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

        var sites = new SiteCluster(cluster, data);
        await sites.WarmUpAsync();
        return sites;
    }

    /// <summary>Runs <paramref name="write"/> until it is acknowledged as asked: under load a peer may miss the ack
    /// timeout (<see cref="DurabilityNotMetException"/>: committed, not acknowledged), which a test that counts
    /// acknowledged writes must not count. Writes are idempotent, so repeating one is safe.</summary>
    public static async Task<Replication.CommitToken> AckedAsync(Func<Task<Replication.CommitToken>> write)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await write();
            }
            catch (DurabilityNotMetException) when (waited.Elapsed < TimeSpan.FromSeconds(60))
            {
                // Not acknowledged in time: write it again.
            }
        }
    }

    public static Task<Replication.CommitToken> PutAckedAsync(OrleansRepClient client, string key, string value) =>
        AckedAsync(() => client.PutAsync(System.Text.Encoding.UTF8.GetBytes(key), System.Text.Encoding.UTF8.GetBytes(value)));

    // Every shard has a master whose peers acknowledge in time before a test starts.
    private async Task WarmUpAsync()
    {
        await using var client = await ConnectAsync();
        var keys = Enumerable.Range(0, int.MaxValue).Select(i => $"warm-up/{i}");
        foreach (var shard in Enumerable.Range(0, client.Map.Shards))
        {
            await PutAckedAsync(client, keys.First(k => client.Map.ShardOf(System.Text.Encoding.UTF8.GetBytes(k)) == shard), "ready");
        }
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
