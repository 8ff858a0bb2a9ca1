using OrleansRep.Grains.Interfaces;
using OrleansRep.Grains.Shards;
using OrleansRep.Replication;
using OrleansRep.Storage.Log;
using static OrleansRep.Grains.Tests.Shards.ShardCluster;

namespace OrleansRep.Grains.Tests.Shards;

/// <summary>
/// Internal init from the user's side, on three real sites: masters archive their logs (small log files, a fast
/// archive timer), so a site that was down while the master wrote past what it has, or whose data directory was
/// wiped, can only come back by internal init; it then serves every acknowledged write and follows new ones.
/// </summary>
[Collection(nameof(LogShardGrainTests))]
public sealed class InternalInitTests
{
    private const int Shard = 0;
    private static readonly int[] AllSites = [1, 2, 3];

    /// <summary>64 KiB log files (the engine's smallest) in every shard's home, archiving every 200 ms, and no log kept
    /// for lagging clients (retention 0, the behaviour before it existed: <see cref="LaggingClientRetentionTests"/>
    /// has the retention's side).</summary>
    internal static void SmallArchivedLogs(SiteStorageOptions options)
    {
        options.LogArchiveInterval = TimeSpan.FromMilliseconds(200);
        options.LogRetentionForLaggingClients = TimeSpan.Zero;
        foreach (var site in AllSites)
        {
            foreach (var shard in Enumerable.Range(0, ShardCluster.Shards))
            {
                var home = Path.Combine(options.DataRoot, $"site-{site}", $"shard-{shard}");
                Directory.CreateDirectory(home);
                File.WriteAllText(Path.Combine(home, "orep.conf"), "log_file_size 64K\n");
            }
        }
    }

    internal static string Home(ShardCluster c, int site) => Path.Combine(c.DataRoot, $"site-{site}", $"shard-{Shard}");

    internal static List<uint> LogFiles(string home) =>
        [.. Directory.GetFiles(home, "log.*").Select(f => LogFormat.TryParseFileName(Path.GetFileName(f), out var n) ? n : 0).Where(n => n > 0).Order()];

    [Fact]
    public async Task A_site_whose_log_the_master_archived_comes_back_by_internal_init()
    {
        await using var c = await StartAsync(configure: SmallArchivedLogs);
        await RunAsync(c, wipe: false);
        c.Passed();
    }

    [Fact]
    public async Task A_site_whose_data_directory_was_wiped_rejoins_by_internal_init()
    {
        await using var c = await StartAsync(configure: SmallArchivedLogs);
        await RunAsync(c, wipe: true);
        c.Passed();
    }

    internal static async Task RunAsync(ShardCluster c, bool wipe)
    {
        var master = await c.WaitForMasterAsync(Shard, AllSites, "start");
        var down = AllSites.First(s => s != master);
        var keys = c.KeysOf(Shard, "init").Take(600).ToList();
        var value = new string('v', 700);
        var acked = new Dictionary<string, byte[]>();
        foreach (var key in keys.Take(20))
        {
            acked[key] = await c.PutAsync(Shard, master, key, key + value, AckPolicy.All);
        }

        var downFiles = LogFiles(Home(c, down));
        await c.KillSiteAsync(down);
        if (wipe)
        {
            Directory.Delete(Path.Combine(c.DataRoot, $"site-{down}"), recursive: true);
            SmallArchivedLogs(new SiteStorageOptions { DataRoot = c.DataRoot });
        }

        // The master writes well past the down site's log, and archives it away.
        foreach (var key in keys.Skip(20))
        {
            acked[key] = await c.PutAsync(Shard, master, key, key + value);
        }

        await c.WaitUntilAsync(
            () => Task.FromResult(LogFiles(Home(c, master)).FirstOrDefault() > Math.Max(downFiles.LastOrDefault(), 1u)),
            () => $"the master (site {master}) archives its log past file {downFiles.LastOrDefault()} (the down site's last); it has {string.Join(",", LogFiles(Home(c, master)))}");

        await c.RestartSiteAsync(down);
        await c.WaitUntilAsync(
            async () => (await c.Site(down).RecentEvents()).Any(e => e.Shard == Shard && e.Kind == RepEventKind.InitDone),
            () => $"site {down} reports InitDone for shard {Shard} (wiped: {wipe})");

        // Every acknowledged write is there, and new ones follow.
        foreach (var (key, token) in acked)
        {
            Assert.Equal(key + value, await c.ReadAtLeastRetryingAsync(Shard, down, key, token));
        }

        var master2 = await c.WaitForMasterAsync(Shard, AllSites, "after the init");
        var newKey = c.KeysOf(Shard, "after-init").First();
        var after = await c.PutAsync(Shard, master2, newKey, "new", AckPolicy.All);
        Assert.Equal("new", await c.ReadAtLeastRetryingAsync(Shard, down, newKey, after));
        var status = await c.Shard(Shard, down).GetStatus();
        Assert.Equal(RepRole.Client, status.Role);
    }
}
