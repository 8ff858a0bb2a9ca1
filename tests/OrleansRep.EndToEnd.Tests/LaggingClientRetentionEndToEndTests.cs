using System.Text;
using OrleansRep.Client;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Runtime.Transport;
using OrleansRep.Storage;
using OrleansRep.Storage.Log;
using Xunit.Abstractions;

namespace OrleansRep.EndToEnd.Tests;

/// <summary>
/// Log kept for a lagging client, on three real silo processes with 64 KiB log files and archiving every second, the
/// retention at its default (10 minutes): a client site killed with -9 while its master writes several log files'
/// worth and archives comes back from the log the master kept for it (no internal init) and serves every acknowledged
/// write from its own gateway.
/// </summary>
public sealed class LaggingClientRetentionEndToEndTests(ITestOutputHelper output)
{
    private const int Values = 60; // 10 KiB each: ~600 KiB of log, about 9 files of 64 KiB

    [Fact]
    public async Task A_client_site_killed_while_its_master_archives_catches_up_from_the_log_kept_for_it()
    {
        await using var cluster = new SiloCluster(output, shards: 1);
        foreach (var site in cluster.SiteIds)
        {
            var home = Home(cluster, site);
            Directory.CreateDirectory(home);
            File.WriteAllText(Path.Combine(home, "orep.conf"), "log_file_size 64K\n");
        }

        cluster.ExtraArguments.Add("--LogArchiveInterval=00:00:01");
        await cluster.StartAllAsync();
        await using var client = await OrleansRepClient.ConnectAsync(cluster.ClientOptions());
        var master = await cluster.MasterOfAsync(client, 0);
        var down = cluster.SiteIds.First(s => s != master);
        var written = new List<(string Key, string Value, CommitToken Token)>();
        for (var i = 0; i < 10; i++)
        {
            written.Add(await PutAsync(client, $"before-{i}", $"value {i}", AckPolicy.All)); // the site to be killed has these
        }

        var downFiles = LogFiles(Home(cluster, down));
        cluster.Kill(down);
        var big = new string('x', 10 << 10);
        for (var i = 0; i < Values; i++)
        {
            written.Add(await PutAsync(client, $"while-down-{i:D3}", $"{i}{big}", AckPolicy.Quorum));
        }

        // The master archives every second; it keeps the files the killed site still needs (at least 3 of them here).
        var kept = 0;
        await cluster.WaitUntilAsync(
            async () => (kept = Replica(await cluster.StatusAsync(master)).GetProperty("logFilesKeptForClients").GetInt32()) >= 3,
            () => $"the master (site {master}) keeps {kept} log files for site {down}; files {string.Join(",", LogFiles(Home(cluster, master)))}");
        var masterFiles = LogFiles(Home(cluster, master));
        var retainedFrom = Lsn.FromUInt64(Replica(await cluster.StatusAsync(master)).GetProperty("logRetainedFrom").GetUInt64());
        output.WriteLine($"master site {master} keeps {kept} files for site {down} from {retainedFrom}; its log files {string.Join(",", masterFiles)}; site {down} had {string.Join(",", downFiles)}");
        Assert.True(masterFiles[0] <= downFiles[^1], $"the master removed site {down}'s last log file {downFiles[^1]}; it has {string.Join(",", masterFiles)}");

        // Restart only once the others saw the old incarnation fail (a new one at the same address could be taken for it).
        foreach (var other in cluster.SiteIds.Where(s => s != down))
        {
            await cluster.WaitUntilAsync(async () => !await cluster.ReportsHealthyAsync(other, down), () => $"site {other} still reports site {down} healthy");
        }

        await cluster.StartAsync(down);
        var own = cluster.ClientOptions(down);
        own.RetryDeadline = TimeSpan.FromSeconds(5);
        await using var reader = await OrleansRepClient.ConnectAsync(own);
        var last = written[^1];
        await cluster.WaitUntilAsync(
            async () => await reader.GetAsync(Encoding.UTF8.GetBytes(last.Key), ReadOptions.AtLeast(last.Token)) is not null,
            () => $"site {down} never applied the last write ({cluster.Process(down).Log()})");
        foreach (var (key, value, token) in written)
        {
            Assert.Equal(value, Encoding.UTF8.GetString(await reader.GetAsync(Encoding.UTF8.GetBytes(key), ReadOptions.AtLeast(token)) ?? []));
        }

        var events = (await SiloCluster.RecentEventsAsync(reader)).Where(e => e.Site == down).Select(e => e.Kind).ToList();
        output.WriteLine($"site {down} events since its restart: {string.Join(", ", events)}");
        Assert.Contains(RepEventKind.StartupDone, events);
        Assert.DoesNotContain(RepEventKind.InitDone, events);
        Assert.DoesNotContain(RepEventKind.JoinFailure, events);
        cluster.Passed();
    }

    private static string Home(SiloCluster cluster, int site) => Path.Combine(cluster.DataRoot, $"site-{site}", "shard-0");

    private static List<uint> LogFiles(string home) =>
        [.. Directory.GetFiles(home, "log.*").Select(f => LogFormat.TryParseFileName(Path.GetFileName(f), out var n) ? n : 0).Where(n => n > 0).Order()];

    private static System.Text.Json.JsonElement Replica(System.Text.Json.JsonElement status) =>
        status.GetProperty("shards").EnumerateArray().Single(s => s.GetProperty("shard").GetInt32() == 0);

    private static async Task<(string Key, string Value, CommitToken Token)> PutAsync(OrleansRepClient client, string key, string value, AckPolicy policy)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (key, value, await client.PutAsync(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value), new WriteOptions(policy)));
            }
            catch (DurabilityNotMetException) when (attempt < 10)
            {
                // Committed, not acknowledged in time on a loaded machine: put again (idempotent).
            }
        }
    }

}
