using System.Diagnostics;
using System.Text;
using OrleansRep.Client;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using Xunit.Abstractions;

namespace OrleansRep.EndToEnd.Tests;

/// <summary>
/// kill -9 of shard masters under continuous writes, through the client library: a new master takes the writes, the
/// killed site restarts on its data directory and catches up as a client, and no acknowledged write is lost.
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output)
{
    private const int Writers = 4;

    /// <summary>10 rounds by default (about 50 s on 2 loaded cores); 30 with <c>OREP_LONG=1</c> (a soak).</summary>
    private static int Rounds => Environment.GetEnvironmentVariable("OREP_LONG") == "1" ? 30 : 10;

    [Fact]
    public async Task Masters_killed_under_continuous_writes_lose_no_acknowledged_write_and_rejoin_as_clients()
    {
        await using var cluster = new SiloCluster(output);
        await cluster.StartAllAsync();
        await using var client = await OrleansRepClient.ConnectAsync(cluster.ClientOptions());
        var ledger = new WriteLedger();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, Writers).Select(w => ContinuousWriter.RunAsync(client, w, ledger, stop.Token)).ToList();
        var restarted = new SortedSet<int>();
        var lastVictim = 0;
        var caughtUpAt = Stopwatch.GetTimestamp();
        try
        {
            for (var round = 1; round <= Rounds; round++)
            {
                // The shards take turns; when this one's master died last round and another shard's did not, that one:
                // different sites die.
                var masters = await MastersAsync(cluster, client);
                var shard = (round - 1) % cluster.Shards;
                if (masters[shard] == lastVictim && masters.FirstOrDefault(m => m.Value != lastVictim) is { Value: > 0 } other)
                {
                    shard = other.Key;
                }

                var victim = masters[shard];
                // Writes flow to that shard before the kill, so the kill lands in the middle of them.
                var since = caughtUpAt;
                await cluster.WaitUntilAsync(() => Task.FromResult(ledger.CountAfter(shard, since) >= 20), () => $"round {round}: shard {shard} takes no writes before the kill");

                var killedAt = Stopwatch.GetTimestamp();
                cluster.Kill(victim);
                AcknowledgedWrite? first = null;
                await cluster.WaitUntilAsync(
                    () => Task.FromResult((first = ledger.FirstAnsweredAfter(shard, killedAt, notBy: victim)) is not null),
                    () => $"round {round}: no master of shard {shard} took a write after site {victim} was killed ({ledger.Acknowledged.Count} acknowledged, refused {Describe(ledger.Refused)})");
                output.WriteLine($"round {round}: kill -9 of site {victim} (master of shard {shard}) -> first write accepted by site {first!.Token.Master.Value} (gen {first.Token.Gen}) after {Stopwatch.GetElapsedTime(killedAt, first.AnsweredAt).TotalMilliseconds:0} ms");

                await cluster.StartAsync(victim);
                await WaitCaughtUpAsync(cluster, client, ledger, victim, round);
                caughtUpAt = Stopwatch.GetTimestamp();
                output.WriteLine($"round {round}: site {victim} restarted and caught up {Stopwatch.GetElapsedTime(killedAt).TotalSeconds:0.0} s after its kill");
                restarted.Add(victim);
                lastVictim = victim;
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(writers);
        }

        output.WriteLine($"{ledger.Acknowledged.Count} writes acknowledged, {ledger.Maybe.Count} maybe (DurabilityNotMet), refused: {Describe(ledger.Refused)}");
        Assert.True(ledger.Unexpected.Count == 0, $"writers saw errors that are not the client's typed ones: {string.Join("; ", ledger.Unexpected.Take(5))} (data in {cluster.DataRoot})");

        // Every acknowledged write, from each shard's master; then from every restarted site with its token.
        await VerifyAsync(client, ledger.Acknowledged, w => ReadOptions.Linearizable, "linearizable", cluster.DataRoot);
        foreach (var site in restarted)
        {
            await using var reader = await OrleansRepClient.ConnectAsync(cluster.ClientOptions(site));
            await VerifyAsync(reader, ledger.Acknowledged, w => ReadOptions.AtLeast(w.Token), $"AtLeast on restarted site {site}", cluster.DataRoot);
        }

        // A "maybe" write was committed on a master: it is there with its value, or rolled back, never anything else.
        var maybeWrong = new List<string>();
        foreach (var write in ledger.Maybe)
        {
            var value = await client.GetAsync(Encoding.UTF8.GetBytes(write.Key));
            if (value is not null && Encoding.UTF8.GetString(value) != write.Value)
            {
                maybeWrong.Add($"{write.Key}: '{Encoding.UTF8.GetString(value)}'");
            }
        }

        Assert.True(maybeWrong.Count == 0, $"writes answered DurabilityNotMet hold another value: {string.Join("; ", maybeWrong.Take(5))}");
        cluster.Passed();
    }

    // Each shard's master as the sites report it, once every shard has one.
    private static async Task<Dictionary<int, int>> MastersAsync(SiloCluster cluster, OrleansRepClient client)
    {
        var masters = new Dictionary<int, int>();
        await cluster.WaitUntilAsync(
            async () =>
            {
                var status = await client.GetStatusAsync();
                masters = Enumerable.Range(0, cluster.Shards).ToDictionary(s => s, s => status.MasterOf(s)?.Site ?? 0);
                return masters.Values.All(m => m > 0);
            },
            () => $"not every shard has a master: {string.Join(", ", masters.Select(m => $"shard {m.Key}: site {m.Value}"))}");
        return masters;
    }

    // The restarted site is a client of each shard's current master, and has applied the newest acknowledged write of
    // each shard (an AtLeast read of it through a client that knows only that site).
    private static async Task WaitCaughtUpAsync(SiloCluster cluster, OrleansRepClient client, WriteLedger ledger, int site, int round)
    {
        var options = cluster.ClientOptions(site);
        options.RetryDeadline = TimeSpan.FromSeconds(5);
        await using var reader = new OrleansRepClient(options);
        var seen = "nothing yet";
        await cluster.WaitUntilAsync(
            async () =>
            {
                var status = await client.GetStatusAsync();
                var own = (await reader.GetStatusAsync()).Replicas.Where(r => r.Site == site).ToList();
                seen = string.Join(", ", own.Select(r => $"shard {r.Shard}: {r.Role} of site {r.Master} gen {r.Gen}"));
                if (own.Count != cluster.Shards || own.Any(r => r.Role != RepRole.Client || r.Master != status.MasterOf(r.Shard)?.Site))
                {
                    return false;
                }

                for (var shard = 0; shard < cluster.Shards; shard++)
                {
                    if (ledger.Latest(shard) is { } latest
                        && await reader.GetAsync(Encoding.UTF8.GetBytes(latest.Key), ReadOptions.AtLeast(latest.Token)) is null)
                    {
                        return false;
                    }
                }

                return true;
            },
            () => $"round {round}: the restarted site {site} is not a caught-up client of every shard's master ({seen})");
    }

    private async Task VerifyAsync(OrleansRepClient reader, IReadOnlyCollection<AcknowledgedWrite> writes, Func<AcknowledgedWrite, ReadOptions> how, string what, string dataRoot)
    {
        var wrong = new System.Collections.Concurrent.ConcurrentBag<string>();
        var started = Stopwatch.StartNew();
        await Parallel.ForEachAsync(writes, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (write, cancellationToken) =>
        {
            try
            {
                var value = await reader.GetAsync(Encoding.UTF8.GetBytes(write.Key), how(write), cancellationToken);
                if (value is null || Encoding.UTF8.GetString(value) != write.Value)
                {
                    wrong.Add($"{write.Key} (token {write.Token}): {(value is null ? "missing" : $"'{Encoding.UTF8.GetString(value)}'")}");
                }
            }
            catch (ShardException e)
            {
                // E.g. CommitTokenLostException: the site says the acknowledged commit was rolled back.
                wrong.Add($"{write.Key} (token {write.Token}): {e.GetType().Name}: {e.Message}");
            }
        });
        output.WriteLine($"{writes.Count} acknowledged writes read back ({what}) in {started.Elapsed.TotalSeconds:0.0} s");
        Assert.True(wrong.IsEmpty, $"{wrong.Count} of {writes.Count} acknowledged writes lost or wrong ({what}), e.g. {string.Join("; ", wrong.Take(5))} (data in {dataRoot})");
    }

    private static string Describe(IReadOnlyDictionary<string, int> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Value} {c.Key}"));
}
