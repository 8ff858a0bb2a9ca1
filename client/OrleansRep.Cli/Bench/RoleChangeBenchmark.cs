using System.Diagnostics;
using OrleansRep.Cli.LocalSites;
using OrleansRep.Client;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication.Inputs;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Cli.Bench;

/// <summary>
/// <c>orep bench promote</c>: on a cluster of silo processes it starts itself, with <see cref="FailoverWriters"/>
/// putting to shard 0 the whole time, each round moves shard 0's mastership three times: a fast promotion of a client,
/// a checkpoint-first promotion of another, a handover to a third site. Each is measured twice: the unavailability the
/// sites report (<c>PromotionReport</c>/<c>HandoverReport</c>) and the gap the writers see, from the call to the first
/// write acknowledged by a master other than the old one. At the end every acknowledged write is read back.
/// </summary>
internal sealed class RoleChangeBenchmark(int rounds, TextWriter progress)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>Tries of one role change: a refused one is tried again (with the master the shard has then).</summary>
    private const int MaxAttempts = 3;

    public async Task<RoleChangeReport> RunAsync(CancellationToken cancellationToken)
    {
        await using var cluster = await LocalSiteCluster.StartAsync(new LocalSiteClusterOptions { Shards = 2, ExtraSiloArguments = LocalSiteClusterOptions.LenientFailureDetection }, progress, cancellationToken).ConfigureAwait(false);
        var clientOptions = new OrleansRepClientOptions
        {
            Gateways = cluster.Gateways,
            SecretFile = cluster.SecretFile,
            ClientId = "orep-bench",
            Roles = ClientRoles.All,
            CallTimeout = TimeSpan.FromSeconds(2),
            RetryDeadline = Deadline,
        };
        await using var client = await OrleansRepClient.ConnectAsync(clientOptions, cancellationToken: cancellationToken).ConfigureAwait(false);
        var writers = new FailoverWriters(client, 4, progress);
        var samples = new Dictionary<string, (List<double> Reported, List<double> Writers)>
        {
            ["fast"] = ([], []),
            ["checkpoint-first"] = ([], []),
            ["handover"] = ([], []),
        };
        var refused = samples.Keys.ToDictionary(k => k, _ => 0);
        writers.Start();
        try
        {
            await writers.WaitForAckAsync(0, Stopwatch.GetTimestamp(), Deadline, cancellationToken).ConfigureAwait(false);
            for (var round = 1; round <= rounds; round++)
            {
                foreach (var kind in samples.Keys)
                {
                    for (var attempt = 1; ; attempt++)
                    {
                        var master = await MasterOfShard0Async(client, cancellationToken).ConfigureAwait(false);
                        var target = master % 3 + 1; // the next site round the three
                        var started = Stopwatch.GetTimestamp();
                        double reported;
                        try
                        {
                            reported = kind == "handover"
                                ? (await client.HandoverAsync(0, target, Deadline, cancellationToken).ConfigureAwait(false)).UnavailableMs
                                : (await client.PromoteAsync(target, 0, kind == "fast" ? PromotionMode.Fast : PromotionMode.CheckpointFirst, Deadline, cancellationToken).ConfigureAwait(false))[0].UnavailableMs;
                        }
                        catch (RoleChangeRefusedException e) when (attempt < MaxAttempts)
                        {
                            // Refused by design (it would have lost writes, or the target was not caught up): counted, the
                            // sites' last lines shown for the reason, and tried again once the shard has a master.
                            refused[kind]++;
                            progress.WriteLine($"round {round}: {kind} site {master} -> {target} refused (attempt {attempt}): {e.Message}");
                            foreach (var site in Enumerable.Range(1, 3))
                            {
                                progress.WriteLine($"--- site {site}, last lines ---\n{cluster.Process(site).LogTail(30)}");
                            }

                            continue;
                        }

                        var (_, acked) = await writers.WaitForAckAsync(master, started, Deadline, cancellationToken).ConfigureAwait(false);
                        var seen = Stopwatch.GetElapsedTime(started, acked).TotalMilliseconds;
                        samples[kind].Reported.Add(Math.Round(reported, 1));
                        samples[kind].Writers.Add(Math.Round(seen, 1));
                        progress.WriteLine($"round {round}: {kind} site {master} -> {target}: reported {reported:F1} ms, writers saw {seen:F1} ms");
                        break;
                    }
                }
            }
        }
        finally
        {
            await writers.DisposeAsync().ConfigureAwait(false);
        }

        progress.WriteLine($"reading back {writers.Acked.Count} acknowledged writes (linearizable)");
        var lost = await AckedWrites.CountLostAsync(client, [.. writers.Acked], progress, cancellationToken).ConfigureAwait(false);
        var kinds = samples.Select(k => new RoleChangeKindReport(
            k.Key,
            Math.Round(FailoverTimeline.Median(k.Value.Reported), 1),
            k.Value.Reported.Max(),
            Math.Round(FailoverTimeline.Median(k.Value.Writers), 1),
            k.Value.Writers.Max(),
            k.Value.Reported,
            k.Value.Writers,
            refused[k.Key])).ToList();
        return new RoleChangeReport(rounds, kinds, writers.Acked.Count, lost, writers.PermFailed, writers.Errors);
    }

    /// <summary>Shard 0's master, waited for (every 100 ms, within <see cref="Deadline"/>) while an election runs.</summary>
    private static async Task<int> MasterOfShard0Async(OrleansRepClient client, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            if ((await client.GetStatusAsync(cancellationToken).ConfigureAwait(false)).MasterOf(0)?.Site is { } master)
            {
                return master;
            }

            if (Stopwatch.GetElapsedTime(started) >= Deadline)
            {
                throw new InvalidOperationException($"shard 0 has had no master for {Deadline.TotalSeconds:0} s");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }
    }
}
