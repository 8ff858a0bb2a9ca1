using System.Text;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Grains.Shards;
using OrleansRep.Grains.Tests.Support;
using OrleansRep.Replication;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Hosting;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Testing;

namespace OrleansRep.Grains.Tests.Shards;

/// <summary>
/// Three silos (sites 1..3) on a <see cref="TestCluster"/> with the service's grains, two shards, real engine files
/// in a temporary directory (kept, with its path in the failure, when a test fails: call <see cref="Passed"/> at the
/// end). Calls go through the cluster client, so errors arrive as they do for a remote client.
/// </summary>
internal sealed class ShardCluster : IAsyncDisposable
{
    public const int Shards = 2;
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly TemporaryDirectory _data;
    private readonly Dictionary<int, SiloHost> _added = [];
    private bool _passed;

    private ShardCluster(TestCluster cluster, TemporaryDirectory data, SiteStorageOptions options)
    {
        Cluster = cluster;
        _data = data;
        Options = options;
    }

    /// <summary>The founding sites' options.</summary>
    public SiteStorageOptions Options { get; }

    public TestCluster Cluster { get; }

    public string DataRoot => _data.Path;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public ShardMap Map { get; } = new(Shards);

    /// <param name="silo">More for every silo (e.g. the recovery grain), after the service's grains.</param>
    public static async Task<ShardCluster> StartAsync(Func<ReplicationOptions, ReplicationOptions>? replication = null, Action<SiteStorageOptions>? configure = null, Action<SiloBuilder>? silo = null)
    {
        var data = new TemporaryDirectory("orep-shards-");
        var options = new SiteStorageOptions { DataRoot = data.Path, Shards = Shards };
        // A generous ack timeout: on a loaded 2-core machine a quorum write must not fail its durability by slowness.
        options.Replication = options.Replication with { AckTimeout = TimeSpan.FromSeconds(3) };
        options.Replication = replication?.Invoke(options.Replication) ?? options.Replication;
        configure?.Invoke(options);
        TestCluster? started = null;
        var cluster = await TestCluster.StartAsync(new TestClusterOptions
        {
            SiloCount = 3,
            // The grains see the placement's site table (the cluster's, which exists once the cluster does; the grains
            // read it only after the silos started).
            ConfigureSilo = b =>
            {
                b.AddSiteRegistry(() => started!.Sites).AddOrleansRepGrains(options);
                silo?.Invoke(b);
            },
            // Lenient failure detection: the suite runs beside other assemblies on 2 cores.
            Membership = new MembershipOptions { ProbeTimeout = TimeSpan.FromSeconds(1), MissedProbesLimit = 5 },
        });
        started = cluster;
        var shards = new ShardCluster(cluster, data, options);
        foreach (var site in new[] { 1, 2, 3 })
        {
            await shards.Site(site).Start();
        }

        return shards;
    }

    public ILogShardGrain Shard(int shard, int site) => Grains.GetGrain<ILogShardGrain>(GrainKeys.Shard(shard, site));

    public ISiteGrain Site(int site) => Grains.GetGrain<ISiteGrain>(GrainKeys.Site(site));

    public static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Keys "{prefix}-{i}" that fall in <paramref name="shard"/>.</summary>
    public IEnumerable<string> KeysOf(int shard, string prefix) =>
        Enumerable.Range(0, int.MaxValue).Select(i => $"{prefix}-{i}").Where(k => Map.ShardOf(B(k)) == shard);

    /// <summary>The master every live site agrees on for <paramref name="shard"/>, once there is one.</summary>
    public async Task<int> WaitForMasterAsync(int shard, IReadOnlyCollection<int> live, string phase)
    {
        var seen = "";
        await WaitUntilAsync(async () =>
        {
            var statuses = await Task.WhenAll(live.Select(s => Shard(shard, s).GetStatus()));
            seen = string.Join("; ", statuses.Select(s => $"site {s.Site}: {s.Role} gen {s.Gen} master {s.Master}"));
            var masters = statuses.Where(s => s.Role == RepRole.Master).ToList();
            return masters.Count == 1 && statuses.All(s => s.Master == masters[0].Site);
        }, () => $"{phase}: shard {shard} has no master all of sites {string.Join(",", live)} agree on; seen {seen}");
        return (await Shard(shard, live.First()).GetStatus()).Master;
    }

    public async Task<byte[]> PutAsync(int shard, int site, string key, string value, AckPolicy durability = AckPolicy.Quorum) =>
        await ShardErrors.Typed(Shard(shard, site).Put(B(key), B(value), durability));

    public async Task<string?> ReadAtLeastAsync(int shard, int site, string key, byte[] token) =>
        await ShardErrors.Typed(Shard(shard, site).Read(B(key), ReadConsistency.AtLeast, 0, token)) is { } v ? Encoding.UTF8.GetString(v) : null;

    /// <summary>As <see cref="ReadAtLeastAsync"/>, but a replica that is briefly unavailable (an election, or a sync
    /// or init with a new master, which a loaded machine's missed heartbeats can start right after a restart; under
    /// --nowait a sync is refused as locked out) is asked again until <see cref="Deadline"/>, as the client library does.</summary>
    public async Task<string?> ReadAtLeastRetryingAsync(int shard, int site, string key, byte[] token)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            try
            {
                return await ReadAtLeastAsync(shard, site, key, token);
            }
            catch (Exception e) when (e is ShardUnavailableException or ShardLockedOutException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }

    /// <summary>Waits for <paramref name="condition"/> (calls that fail count as "not yet"), polling; fails with
    /// <paramref name="explain"/> and the data directory after <see cref="Deadline"/>.</summary>
    public Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> explain) =>
        Conditions.WaitUntilAsync(condition, explain, Deadline, $"data in {_data.Path}");

    /// <summary>Kills site <paramref name="site"/>'s silo as a crashed process: no goodbye, then its activations go
    /// (which closes its engine files, as the process's death would, so a restart can open them).</summary>
    public async Task KillSiteAsync(int site)
    {
        var host = Cluster.Silo(site - 1);
        await Cluster.KillSiloAsync(site - 1);
        await host.DisposeAsync();
    }

    public async Task RestartSiteAsync(int site)
    {
        await Cluster.RestartSiloAsync(site - 1);
        await Site(site).Start();
    }

    /// <summary>
    /// Starts a silo for a new site <paramref name="site"/> that joins the running group (<see cref="SiteStorageOptions.Join"/>,
    /// its group the founding sites and itself) and activates its replicas; the operator still has to add it
    /// (<see cref="ISiteGrain.AddSite"/>). Again on the same endpoint (pass it) after <see cref="KillAddedSiteAsync"/>.
    /// </summary>
    public async Task<SiloHost> StartAddedSiteAsync(int site, System.Net.IPEndPoint? endPoint = null)
    {
        var options = new SiteStorageOptions
        {
            DataRoot = Options.DataRoot,
            Shards = Options.Shards,
            Join = true,
            Replication = Options.Replication,
            Sites = new Dictionary<int, int>(Options.Sites) { [site] = 100 },
        };
        var builder = new SiloBuilder().AddSiteRegistry(() => Cluster.Sites).AddOrleansRepGrains(options);
        var host = await SiloHost.StartAsync(
            new SiloHostOptions
            {
                EndPoint = endPoint ?? new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0),
                ClusterSecret = Cluster.ClusterSecret,
                Seeds = [.. Cluster.LiveSilos.Select(s => s.EndPoint)],
                SiteId = site,
                SiloName = $"site-{site}",
                Membership = new MembershipOptions { ProbeTimeout = TimeSpan.FromSeconds(1), MissedProbesLimit = 5 },
            },
            builder,
            Cluster.Sites);
        _added[site] = host;
        await Site(site).Start();
        return host;
    }

    /// <summary>Kills an added site's silo as a crashed process (then disposes it, which closes its files).</summary>
    public async Task KillAddedSiteAsync(int site)
    {
        _added.Remove(site, out var host);
        await host!.KillAsync();
        await host.DisposeAsync();
    }

    public void Passed() => _passed = true;

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _added.Values)
        {
            await host.DisposeAsync();
        }

        await Cluster.DisposeAsync();
        if (_passed)
        {
            _data.Dispose();
        }
    }
}
