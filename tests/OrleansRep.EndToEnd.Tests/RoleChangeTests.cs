using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrleansRep.Client;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Replication.Inputs;
using OrleansRep.Runtime.Transport;
using Xunit.Abstractions;

namespace OrleansRep.EndToEnd.Tests;

/// <summary>
/// Role changes by hand on real silo processes (issue 6): fast and checkpoint-first promotion (the old master steps
/// down; how long writes were unavailable is reported), the promote trigger file, an old master cut off during a
/// promotion rolling back its diverged tail and listing it, and handover under continuous writes with no
/// acknowledged write lost.
/// </summary>
public sealed class RoleChangeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Fast_and_checkpoint_first_promotions_step_the_old_master_down_and_report_how_long_writes_were_unavailable()
    {
        await using var cluster = new SiloCluster(output);
        await cluster.StartAllAsync();
        await using var client = await OrleansRepClient.ConnectAsync(cluster.AdminOptions());
        var key = SiloCluster.KeyOf(client, shard: 0, "promote");
        var before = await client.PutAsync(key, "before"u8.ToArray());

        // Fast, through the client library (what orep promote calls).
        var old = await cluster.MasterOfAsync(client, 0);
        var promoted = cluster.SiteIds.First(s => s != old);
        var fast = Assert.Single(await client.PromoteAsync(promoted, 0, PromotionMode.Fast));
        output.WriteLine($"fast promotion of site {promoted} (old master {old}): writes unavailable {fast.UnavailableMs:F1} ms, log applied in {fast.CatchUpMs:F1} ms, gen {fast.Gen}");
        Assert.False(fast.AlreadyMaster);
        Assert.True(fast.PreviousMasterSteppedDown, "the old master was reachable: it must have stepped down");
        Assert.Equal(old, fast.PreviousMaster);
        Assert.True(fast.Gen > before.Gen);
        Assert.True(fast.UnavailableMs > 0);
        await WaitForMasterAsync(cluster, client, 0, promoted);
        var afterFast = await client.PutAsync(key, "after fast"u8.ToArray());
        Assert.Equal(promoted, afterFast.Master.Value);

        // Checkpoint-first, through the HTTP API (what the dashboard calls), of the third site.
        var third = cluster.SiteIds.First(s => s != old && s != promoted);
        using var response = await cluster.Http.PostAsJsonAsync(cluster.Url(old, "/api/promote"), new { site = third, shard = 0, mode = "CheckpointFirst", waitSeconds = 60 });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var json = JsonDocument.Parse(body);
        var result = Assert.Single(json.RootElement.GetProperty("results").EnumerateArray().ToList());
        var checkpointFirstMs = result.GetProperty("unavailableMs").GetDouble();
        output.WriteLine($"checkpoint-first promotion of site {third}: writes unavailable {checkpointFirstMs:F1} ms ({body})");
        Assert.Equal("CheckpointFirst", result.GetProperty("mode").GetString());
        Assert.True(result.GetProperty("previousMasterSteppedDown").GetBoolean());
        await WaitForMasterAsync(cluster, client, 0, third);
        var afterCheckpoint = await client.PutAsync(key, "after checkpoint-first"u8.ToArray());
        Assert.Equal(third, afterCheckpoint.Master.Value);

        // The other shard was not touched; promoting a master is a no-op; a bad request is refused, typed.
        Assert.True((await client.PromoteAsync(third, 0)).Single().AlreadyMaster);
        using var bad = await cluster.Http.PostAsJsonAsync(cluster.Url(old, "/api/promote"), new { site = third, shard = 99 });
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("UnknownShardException", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Every site holds the last write.
        foreach (var site in cluster.SiteIds)
        {
            await using var reader = await OrleansRepClient.ConnectAsync(cluster.ClientOptions(site));
            Assert.Equal("after checkpoint-first", Encoding.UTF8.GetString((await reader.GetAsync(key, ReadOptions.AtLeast(afterCheckpoint)))!));
        }

        cluster.Passed();
    }

    [Fact]
    public async Task A_promote_trigger_file_in_the_data_directory_promotes_the_site_for_every_shard()
    {
        await using var cluster = new SiloCluster(output);
        await cluster.StartAllAsync();
        await using var client = await OrleansRepClient.ConnectAsync(cluster.AdminOptions());
        var status = await client.GetStatusAsync();
        var site = cluster.SiteIds.First(s => Enumerable.Range(0, cluster.Shards).Any(shard => status.MasterOf(shard)?.Site != s));

        var trigger = Path.Combine(cluster.DataRoot, $"site-{site}", "promote");
        await File.WriteAllTextAsync(trigger, "");

        for (var shard = 0; shard < cluster.Shards; shard++)
        {
            await WaitForMasterAsync(cluster, client, shard, site);
        }

        Assert.False(File.Exists(trigger), "the trigger file is removed once noticed (one file, one promotion)");
        Assert.Contains("promote trigger file found", cluster.Process(site).Log(), StringComparison.Ordinal);
        cluster.Passed();
    }

    [Fact]
    public async Task An_old_master_that_returns_after_a_promotion_rolls_back_its_diverged_tail_and_lists_it()
    {
        await using var cluster = new SiloCluster(output, shards: 1);
        await cluster.StartAllAsync();
        await using var client = await OrleansRepClient.ConnectAsync(cluster.AdminOptions());
        var key = SiloCluster.KeyOf(client, 0, "shared");
        await client.PutAsync(key, "everyone has this"u8.ToArray());
        var old = await cluster.MasterOfAsync(client, 0);
        var promoted = cluster.SiteIds.First(s => s != old);
        var other = cluster.SiteIds.First(s => s != old && s != promoted);
        await WaitAppliedAsync(cluster, promoted, key, "everyone has this");

        // The two clients stop (SIGSTOP): once the master's deliveries to them are stuck in flight, what it writes next
        // waits in its own queues. It writes a tail (no acks awaited), and is killed with the tail still queued: only
        // its own log holds it. The clients resume, the one to promote is promoted, and the old master restarts.
        await cluster.Process(promoted).SignalAsync("STOP");
        await cluster.Process(other).SignalAsync("STOP");
        await Task.Delay(TimeSpan.FromMilliseconds(800)); // heartbeats every 100 ms fill the 4 deliveries in flight
        var tail = new List<CommitToken>();
        await using (var writer = new OrleansRepClient(cluster.AdminOptions(old)))
        {
            for (var i = 0; i < 3; i++)
            {
                tail.Add(await writer.PutAsync(SiloCluster.KeyOf(client, 0, $"tail-{i}"), "only the old master has this"u8.ToArray(), new WriteOptions(AckPolicy.None)));
            }
        }

        cluster.Kill(old);
        await cluster.Process(promoted).SignalAsync("CONT");
        await cluster.Process(other).SignalAsync("CONT");
        PromotionReport report;
        await using (var admin = new OrleansRepClient(cluster.AdminOptions(promoted)))
        {
            report = Assert.Single(await admin.PromoteAsync(promoted, 0, PromotionMode.Fast));
        }

        output.WriteLine($"site {promoted} promoted after site {old} was killed: {report}");
        await WaitForMasterAsync(cluster, client, 0, promoted);
        await cluster.StartAsync(old);

        // The old master, restarted, follows the new master, syncs and rolls its tail back: status lists it, and so does
        // its ROLLED_BACK event.
        RollbackReport? rollback = null;
        await cluster.WaitUntilAsync(async () =>
        {
            await using var reader = new OrleansRepClient(cluster.AdminOptions(old));
            var replica = (await reader.GetStatusAsync()).Replicas.Single(r => r.Site == old);
            rollback = replica.LastRollback;
            return replica.Role == RepRole.Client && replica.Master == promoted && rollback is not null;
        }, () => $"site {old} has not rolled back its tail as a client of site {promoted} (last rollback: {rollback})");
        output.WriteLine($"site {old} rolled back: {rollback}");
        Assert.True(rollback!.Count >= tail.Count, $"{rollback.Count} transactions rolled back, the tail had {tail.Count}");
        foreach (var token in tail)
        {
            Assert.Contains(rollback.Transactions, t => t.CommitLsn == token.Lsn.ToUInt64());
        }

        await using (var reader = new OrleansRepClient(cluster.AdminOptions(old)))
        {
            using var deadline = new CancellationTokenSource(SiloCluster.Deadline);
            var rolledBack = await reader.WatchEventsAsync(includeRecent: true, deadline.Token).FirstAsync(e => e.Site == old && e.Kind == RepEventKind.RolledBack, deadline.Token);
            output.WriteLine($"ROLLED_BACK event: {rolledBack.Detail}");
            Assert.Contains("transactions rolled back", rolledBack.Detail, StringComparison.Ordinal);
        }

        Assert.Null(await client.GetAsync(SiloCluster.KeyOf(client, 0, "tail-0")));
        Assert.Equal("everyone has this", Encoding.UTF8.GetString((await client.GetAsync(key))!));
        cluster.Passed();
    }

    [Fact]
    public async Task Handover_under_continuous_writes_loses_no_acknowledged_write()
    {
        const int Writers = 4;
        await using var cluster = new SiloCluster(output);
        await cluster.StartAllAsync();
        await using var client = await OrleansRepClient.ConnectAsync(cluster.AdminOptions());
        var ledger = new WriteLedger();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, Writers).Select(w => ContinuousWriter.RunAsync(client, w, ledger, stop.Token)).ToList();
        var reports = new List<HandoverReport>();
        try
        {
            for (var round = 0; round < 4; round++)
            {
                var shard = round % cluster.Shards;
                var since = Stopwatch.GetTimestamp();
                await cluster.WaitUntilAsync(() => Task.FromResult(ledger.CountAfter(shard, since) >= 20), () => $"round {round}: shard {shard} takes no writes");
                var from = await cluster.MasterOfAsync(client, shard);
                var to = cluster.SiteIds.Where(s => s != from).ElementAt(round / cluster.Shards % 2);
                var report = await client.HandoverAsync(shard, to);
                output.WriteLine($"round {round}: {report}");
                Assert.Equal((shard, from, to), (report.Shard, report.From, report.To));
                reports.Add(report);
                await WaitForMasterAsync(cluster, client, shard, to);
                var handedAt = Stopwatch.GetTimestamp();
                await cluster.WaitUntilAsync(() => Task.FromResult(ledger.FirstAnsweredAfter(shard, handedAt, notBy: from) is not null), () => $"round {round}: site {to} takes no writes for shard {shard}");
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(writers);
        }

        output.WriteLine($"handover unavailability (ms): {string.Join(", ", reports.Select(r => r.UnavailableMs.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))}; {ledger.Acknowledged.Count} writes acknowledged, {ledger.Maybe.Count} maybe, refused: {string.Join(", ", ledger.Refused.Select(r => $"{r.Value} {r.Key}"))}");
        Assert.True(ledger.Unexpected.Count == 0, string.Join("; ", ledger.Unexpected.Take(5)));
        // A handover waits for every write in flight, so it leaves none in doubt; a write may still be answered
        // DurabilityNotMet on a loaded machine (the 500 ms ack timeout), and such a write holds its value or nothing.
        foreach (var maybe in ledger.Maybe)
        {
            var value = await client.GetAsync(Encoding.UTF8.GetBytes(maybe.Key));
            Assert.True(value is null || Encoding.UTF8.GetString(value) == maybe.Value, $"{maybe.Key}: '{(value is null ? "" : Encoding.UTF8.GetString(value))}'");
        }

        var wrong = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(ledger.Acknowledged, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (write, ct) =>
        {
            var value = await client.GetAsync(Encoding.UTF8.GetBytes(write.Key), ReadOptions.Linearizable, ct);
            if (value is null || Encoding.UTF8.GetString(value) != write.Value)
            {
                wrong.Add(write.Key);
            }
        });
        Assert.True(wrong.IsEmpty, $"{wrong.Count} of {ledger.Acknowledged.Count} acknowledged writes lost, e.g. {string.Join(", ", wrong.Take(5))}");
        cluster.Passed();
    }

    private static async Task WaitForMasterAsync(SiloCluster cluster, OrleansRepClient client, int shard, int site)
    {
        var seen = "";
        await cluster.WaitUntilAsync(async () =>
        {
            var status = await client.GetStatusAsync();
            seen = string.Join(", ", status.Replicas.Where(r => r.Shard == shard).Select(r => $"site {r.Site} {r.Role} gen {r.Gen} master {r.Master}"));
            return status.MasterOf(shard)?.Site == site && status.Replicas.Where(r => r.Shard == shard && r.Site != site).All(r => r.Master == site);
        }, () => $"site {site} is not shard {shard}'s master that every site follows ({seen})");
    }

    private static async Task WaitAppliedAsync(SiloCluster cluster, int site, byte[] key, string value)
    {
        await using var reader = new OrleansRepClient(cluster.ClientOptions(site));
        await cluster.WaitUntilAsync(async () => await reader.GetAsync(key, ReadOptions.AnyReplica()) is { } v && Encoding.UTF8.GetString(v) == value, () => $"site {site} has not applied {Encoding.UTF8.GetString(key)}");
    }
}
