using OrleansRep.Grains.Interfaces;
using OrleansRep.Grains.Shards;
using OrleansRep.Replication;
using OrleansRep.Storage;
using Xunit.Abstractions;
using static OrleansRep.Grains.Tests.Shards.InternalInitTests;

namespace OrleansRep.Grains.Tests.Shards;

/// <summary>
/// Log kept for a lagging client (<see cref="SiteStorageOptions.LogRetentionForLaggingClients"/>), from the user's side,
/// on three real sites with 64 KiB log files and archiving every 200 ms: a client site that was down while its master
/// wrote several log files' worth and archived comes back from the log the master kept for it, not by internal init,
/// and serves every acknowledged write; with a retention that has run out, or a size cap the site's need is over, the
/// master archives that log and the site comes back by internal init instead.
/// </summary>
[Collection(nameof(LogShardGrainTests))]
public sealed class LaggingClientRetentionTests(ITestOutputHelper output)
{
    private const int Shard = 0;
    private static readonly int[] AllSites = [1, 2, 3];

    [Fact]
    public async Task A_client_that_was_down_catches_up_from_the_log_its_master_kept_for_it()
    {
        await using var c = await ShardCluster.StartAsync(configure: o =>
        {
            SmallArchivedLogs(o);
            o.LogRetentionForLaggingClients = TimeSpan.FromMinutes(10);
        });
        var master = await c.WaitForMasterAsync(Shard, AllSites, "start");
        var down = AllSites.First(s => s != master);
        var keys = c.KeysOf(Shard, "retained").Take(600).ToList();
        var value = new string('v', 700);
        var acked = new Dictionary<string, byte[]>();
        foreach (var key in keys.Take(20))
        {
            acked[key] = await c.PutAsync(Shard, master, key, key + value, AckPolicy.All); // the down site has these
        }

        var downFiles = LogFiles(Home(c, down));
        await c.KillSiteAsync(down);

        // The master writes several log files past the down site's log (~400 KB of 64 KiB files) and archives: the files
        // recovery no longer needs are kept because the down site still needs them.
        foreach (var key in keys.Skip(20))
        {
            acked[key] = await c.PutAsync(Shard, master, key, key + value);
        }

        ReplicaStatus status = null!;
        await c.WaitUntilAsync(
            async () =>
            {
                status = await c.Shard(Shard, master).GetStatus();
                return status.LogFilesKeptForClients >= 3 && status.LogEnd >> 32 > downFiles[^1] + 3;
            },
            () => $"the master (site {master}) archives and keeps at least 3 files for site {down} (last file {downFiles[^1]}); it kept {status?.LogFilesKeptForClients} from {Lsn.FromUInt64(status?.LogRetainedFrom ?? 0)}, log end {Lsn.FromUInt64(status?.LogEnd ?? 0)}, files {string.Join(",", LogFiles(Home(c, master)))}");
        var masterFiles = LogFiles(Home(c, master));
        output.WriteLine($"master site {master}: kept {status.LogFilesKeptForClients} files for site {down} from {Lsn.FromUInt64(status.LogRetainedFrom)}; log files {string.Join(",", masterFiles)}; the down site's were {string.Join(",", downFiles)}");
        Assert.True(masterFiles[0] <= downFiles[^1], $"the master removed the down site's last file {downFiles[^1]}: it has {string.Join(",", masterFiles)}");
        Assert.InRange(Lsn.FromUInt64(status.LogRetainedFrom).File, 1u, downFiles[^1]);

        // The master's status counts how far the down site is behind, in records and bytes across log files.
        var lag = Assert.Single(status.ClientsBehind, l => l.Site == down);
        output.WriteLine($"site {down} behind the master: {(lag.AtLeast ? ">=" : "")}{lag.Records} records, {lag.Bytes} bytes");
        Assert.True(lag.Records >= keys.Count - 20 && lag.Bytes > (keys.Count - 20) * value.Length, $"site {down} is counted only {lag.Records} records / {lag.Bytes} bytes behind");

        await c.RestartSiteAsync(down);
        foreach (var (key, token) in acked)
        {
            Assert.Equal(key + value, await c.ReadAtLeastRetryingAsync(Shard, down, key, token));
        }

        // Caught up from the log: no internal init (which would have raised InitDone before the reads could succeed).
        var events = (await c.Site(down).RecentEvents()).Where(e => e.Shard == Shard).Select(e => e.Kind).ToList();
        output.WriteLine($"site {down} shard {Shard} events after the restart: {string.Join(", ", events)}");
        Assert.DoesNotContain(RepEventKind.InitDone, events);
        Assert.DoesNotContain(RepEventKind.JoinFailure, events);

        // Once the site has caught up the master holds nothing for it any more, archives the kept files, and counts
        // it no records behind.
        await c.WaitUntilAsync(
            async () => (status = await c.Shard(Shard, master).GetStatus()).LogFilesKeptForClients == 0 && LogFiles(Home(c, master))[0] > downFiles[^1]
                && status.ClientsBehind.Single(l => l.Site == down).Records == 0,
            () => $"the master (site {master}) still keeps {status?.LogFilesKeptForClients} files for site {down} after it caught up; files {string.Join(",", LogFiles(Home(c, master)))}");
        c.Passed();
    }

    [Fact]
    public async Task A_client_whose_retention_ran_out_comes_back_by_internal_init()
    {
        await using var c = await ShardCluster.StartAsync(configure: o =>
        {
            SmallArchivedLogs(o);
            o.LogRetentionForLaggingClients = TimeSpan.FromSeconds(1);
        });
        await RunAsync(c, wipe: false); // waits for the master to archive past the down site's log, then for InitDone
        c.Passed();
    }

    [Fact]
    public async Task A_client_that_would_hold_more_than_the_size_cap_comes_back_by_internal_init()
    {
        await using var c = await ShardCluster.StartAsync(configure: o =>
        {
            SmallArchivedLogs(o);
            o.LogRetentionForLaggingClients = TimeSpan.FromMinutes(10);
            o.LogRetentionMaxBytes = 128 << 10; // two 64 KiB files: the down site needs more than that
        });
        await RunAsync(c, wipe: false);
        c.Passed();
    }
}
