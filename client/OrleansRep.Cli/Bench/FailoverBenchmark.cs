using System.Diagnostics;
using OrleansRep.Cli.LocalSites;
using OrleansRep.Client;
using OrleansRep.Replication;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Cli.Bench;

/// <summary>
/// <c>orep bench failover</c>: on a cluster of silo processes it starts itself, with <see cref="FailoverWriters"/>
/// putting to shard 0 the whole time, each trial takes down shard 0's master (the site that acknowledged the latest
/// write), measures from just before the signal to the first write acknowledged by another master, then brings the site
/// back and waits until it is a client of shard 0 again. At the end every acknowledged write is read back
/// linearizably; a missing or different value is a lost acknowledged write.
/// </summary>
internal sealed class FailoverBenchmark(FailoverBenchOptions options, TextWriter progress)
{
    /// <summary>How often a restarted site may exit again before the trial fails.</summary>
    private const int MaxRestarts = 5;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a resumed (SIGCONT) site declared dead may take to notice and exit before it is killed.</summary>
    private static readonly TimeSpan ResumedExitDeadline = TimeSpan.FromSeconds(30);

    public async Task<FailoverReport> RunAsync(CancellationToken cancellationToken)
    {
        await using var cluster = await LocalSiteCluster.StartAsync(new LocalSiteClusterOptions { Shards = options.Shards, ExtraSiloArguments = LocalSiteClusterOptions.LenientFailureDetection }, progress, cancellationToken).ConfigureAwait(false);
        var clientOptions = new OrleansRepClientOptions
        {
            Gateways = cluster.Gateways,
            SecretFile = cluster.SecretFile,
            ClientId = "orep-bench",
            Roles = ClientRoles.All,
            CallTimeout = options.CallTimeout,
            RetryDeadline = options.FailoverDeadline,
        };
        await using var client = await OrleansRepClient.ConnectAsync(clientOptions, cancellationToken: cancellationToken).ConfigureAwait(false);
        var writers = new FailoverWriters(client, options.Writers, progress);
        var samples = new List<double>();
        var timelines = new List<FailoverTimeline>();
        writers.Start();
        try
        {
            for (var trial = 1; trial <= options.Trials; trial++)
            {
                var timeline = await TrialAsync(trial, cluster, client, writers, cancellationToken).ConfigureAwait(false);
                samples.Add(timeline.AckedMs);
                timelines.Add(timeline);
            }
        }
        finally
        {
            await writers.DisposeAsync().ConfigureAwait(false);
        }

        progress.WriteLine($"reading back {writers.Acked.Count} acknowledged writes (linearizable)");
        var lost = await AckedWrites.CountLostAsync(client, [.. writers.Acked], progress, cancellationToken).ConfigureAwait(false);
        return new FailoverReport(options.Trials, options.Kill == FailoverKill.Kill9 ? "9" : "stop", Math.Round(FailoverTimeline.Median(samples), 1), samples.Max(), samples, lost)
        {
            PhaseMediansMs = FailoverTimeline.Medians(timelines),
            AckedWrites = writers.Acked.Count,
            PermFailed = writers.PermFailed,
            Errors = writers.Errors,
        };
    }

    /// <summary>One master failure; returns where its time went (<see cref="FailoverTimeline.AckedMs"/>: the failover
    /// time in milliseconds).</summary>
    private async Task<FailoverTimeline> TrialAsync(int trial, LocalSiteCluster cluster, OrleansRepClient client, FailoverWriters writers, CancellationToken cancellationToken)
    {
        // The master is whoever acknowledges writes now (a status report could be a moment behind an election).
        var (token, _) = await writers.WaitForAckAsync(0, Stopwatch.GetTimestamp(), options.FailoverDeadline, cancellationToken).ConfigureAwait(false);
        var master = token.Master.Value;
        var process = cluster.Process(master);

        // Taken before the signal (so the time includes sending it), and the watch set before the signal too.
        var killedAt = Stopwatch.GetTimestamp();
        var killedAtWall = DateTimeOffset.UtcNow;
        var failover = writers.WaitForAckAsync(master, killedAt, options.FailoverDeadline, cancellationToken);
        if (options.Kill == FailoverKill.Kill9)
        {
            FailoverSignal.Kill(process.Id);
            await process.WaitForExitAsync(ResumedExitDeadline).ConfigureAwait(false);
            cluster.Kill(master); // the cluster's bookkeeping: the process is gone already
        }
        else
        {
            await process.SignalAsync("STOP").ConfigureAwait(false);
        }

        var (newToken, completed) = await failover.ConfigureAwait(false);
        var ms = Math.Round(Stopwatch.GetElapsedTime(killedAt, completed).TotalMilliseconds, 1);

        progress.WriteLine($"trial {trial}: site {master} (master of shard 0, gen {token.Gen}) {(options.Kill == FailoverKill.Kill9 ? "kill -9" : "kill -STOP")}: " +
            $"site {newToken.Master.Value} acknowledged a write after {ms:F1} ms (gen {newToken.Gen})");

        // Before the site comes back: its restart adds events that would push these out of the retained window.
        var timeline = FailoverTimeline.From(await client.GetStatusAsync(cancellationToken).ConfigureAwait(false), 0, newToken.Master.Value, newToken.Gen, killedAtWall, ms);
        progress.WriteLine($"  timeline (ms after the signal): {timeline}");
        var recovery = Stopwatch.StartNew();
        if (options.Kill == FailoverKill.Stop)
        {
            // Left stopped until the others have declared it dead; resumed, it learns so and exits with code 3.
            await WaitUntilOthersSeeItFailedAsync(cluster, master, cancellationToken).ConfigureAwait(false);
            await process.SignalAsync("CONT").ConfigureAwait(false);
            var exited = await process.WaitForExitAsync(ResumedExitDeadline).ConfigureAwait(false);
            progress.WriteLine($"  site {master} resumed: {(exited ? $"exited with code {process.ExitCode}" : $"still running after {ResumedExitDeadline.TotalSeconds:0} s; killing it")}");
            if (!exited)
            {
                cluster.Kill(master);
            }
        }

        await BringBackAsync(cluster, master, cancellationToken).ConfigureAwait(false);
        progress.WriteLine($"  site {master} restarted, a client of shard 0 again after {recovery.Elapsed.TotalSeconds:F1} s");
        return timeline;
    }

    /// <summary>
    /// Restarts <paramref name="site"/> once every other site has seen it fail (a new incarnation at the old address
    /// before that could be taken for the old one), then waits until it is a client of shard 0 that knows the master
    /// and every site is ready. A restarted site that exits again (declared dead in a race with its old incarnation) is
    /// restarted, as the local cluster's supervisor would, up to <see cref="MaxRestarts"/> times.
    /// </summary>
    private async Task BringBackAsync(LocalSiteCluster cluster, int site, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        await WaitUntilOthersSeeItFailedAsync(cluster, site, cancellationToken).ConfigureAwait(false);
        await RestartAsync(cluster, site, cancellationToken).ConfigureAwait(false);
        var restarts = 1;
        var seen = "no status yet";
        while (true)
        {
            Check(deadline, $"site {site} is not a client of shard 0 again (last seen: {seen}); data in {cluster.DataRoot}");
            var process = cluster.Process(site);
            if (process.HasExited)
            {
                if (restarts++ == MaxRestarts)
                {
                    throw new InvalidOperationException($"site {site} exited with code {process.ExitCode} after {MaxRestarts} restarts; its last output:\n{process.LogTail(20)}");
                }

                progress.WriteLine($"  site {site} exited with code {process.ExitCode} after its restart; restarting it again");
                await RestartAsync(cluster, site, cancellationToken).ConfigureAwait(false);
                continue;
            }

            try
            {
                var (role, knownMaster) = await cluster.ReplicaAsync(site, 0, cancellationToken).ConfigureAwait(false);
                if (role == nameof(RepRole.Client) && knownMaster > 0 && knownMaster != site)
                {
                    break;
                }

                seen = $"shard 0 role {role}, master {knownMaster}";
            }
            catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException
                || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // Still starting: no HTTP yet, or no status of shard 0 yet.
                seen = $"status: {e.Message}";
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }

        await cluster.WaitReadyAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until every other running site reports <paramref name="site"/> unhealthy.</summary>
    private async Task WaitUntilOthersSeeItFailedAsync(LocalSiteCluster cluster, int site, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        foreach (var other in cluster.RunningSites.Where(s => s != site).ToList())
        {
            while (!await ReportsFailedAsync(cluster, other, site, cancellationToken).ConfigureAwait(false))
            {
                Check(deadline, $"site {other} still reports site {site} healthy");
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Whether <paramref name="observer"/> reports <paramref name="site"/> unhealthy, or is gone itself (then
    /// its view does not matter); one that does not answer now has not reported it yet.</summary>
    private static async Task<bool> ReportsFailedAsync(LocalSiteCluster cluster, int observer, int site, CancellationToken cancellationToken)
    {
        if (!cluster.RunningSites.Contains(observer))
        {
            return true;
        }

        try
        {
            return !await cluster.ReportsHealthyAsync(observer, site, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    /// <summary>Restarts the site; one that exits before it has started is left for the caller to see and restart.</summary>
    private async Task RestartAsync(LocalSiteCluster cluster, int site, CancellationToken cancellationToken)
    {
        try
        {
            await cluster.RestartAsync(site, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException e) when (cluster.Process(site).HasExited)
        {
            progress.WriteLine($"  site {site}: {e.Message.Split('\n')[0]}");
        }
    }

    private void Check(Stopwatch waited, string what)
    {
        if (waited.Elapsed > options.RecoveryDeadline)
        {
            throw new TimeoutException($"{what} after {options.RecoveryDeadline.TotalSeconds:0} s");
        }
    }
}
