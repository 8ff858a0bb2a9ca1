using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrleansRep.Cli.LocalSites;
using OrleansRep.Client;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Runtime.Transport;
using OrleansRep.Storage.Log;

namespace OrleansRep.Cli.Bench;

/// <summary>
/// <c>orep bench catchup</c>: on a one-shard cluster of three silo processes it starts itself, kills a client site of
/// shard 0, writes <see cref="CatchupBenchOptions.Megabytes"/> of values under Quorum (the two running sites satisfy
/// it), then restarts the site and times how long its replica takes to reach the master's log end (as each site's
/// /api/status reports it). In <see cref="CatchupMode.Log"/> no site archives its log, so the site catches up from the
/// master's log; in <see cref="CatchupMode.Init"/> every site archives each second, keeps no log for lagging clients
/// (<c>--LogRetentionForLaggingClients=0</c>), and the benchmark waits until the
/// master has removed the down site's last log file, so the site comes back by internal init. Afterwards a sample of
/// the keys is read back from the caught-up site alone.
/// </summary>
internal sealed class CatchupBenchmark(CatchupBenchOptions options, TextWriter progress)
{
    private const int Shard = 0;

    /// <summary>Attempts of one put that finds no master (an election under load) before the benchmark fails.</summary>
    private const int MaxPutAttempts = 5;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>How often the catch-up's progress is printed.</summary>
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    // One for the process, as HttpClient is meant to be used; the status polls are small.
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private long _permFailed;

    public async Task<CatchupReport> RunAsync(CancellationToken cancellationToken)
    {
        options.Validate();
        var archive = options.Mode == CatchupMode.Init ? options.InitArchiveInterval : TimeSpan.Zero;
        var clusterOptions = new LocalSiteClusterOptions
        {
            Shards = 1,
            // In init mode the master must not keep the stopped site's log for it (its default retention for lagging
            // clients would): retention 0 lets archiving remove it, so the site can only come back by internal init.
            ExtraSiloArguments = [
                .. LocalSiteClusterOptions.LenientFailureDetection,
                string.Create(CultureInfo.InvariantCulture, $"--LogArchiveInterval={archive:c}"),
                .. options.Mode == CatchupMode.Init ? ["--LogRetentionForLaggingClients=00:00:00"] : Array.Empty<string>()],
        };
        await using var cluster = await LocalSiteCluster.StartAsync(clusterOptions, progress, cancellationToken).ConfigureAwait(false);
        var clientOptions = new OrleansRepClientOptions { Gateways = cluster.Gateways, SecretFile = cluster.SecretFile, ClientId = "orep-bench-catchup", Roles = ClientRoles.All };
        await using var client = await OrleansRepClient.ConnectAsync(clientOptions, cancellationToken: cancellationToken).ConfigureAwait(false);

        var master = await WaitForMasterAsync(cluster, cancellationToken).ConfigureAwait(false);
        var down = cluster.SiteIds.Last(s => s != master);
        var downFiles = LogFiles(Home(cluster, down));
        progress.WriteLine($"shard {Shard}: master is site {master}; killing site {down} (a client), then writing {options.Megabytes} MB");
        cluster.Kill(down);

        var writing = Stopwatch.StartNew();
        var keys = await WriteAsync(client, cancellationToken).ConfigureAwait(false);
        var writeSeconds = writing.Elapsed.TotalSeconds;
        progress.WriteLine($"wrote {keys} values of {options.ValueBytes} bytes in {writeSeconds:F1} s ({options.Megabytes / writeSeconds:F1} MB/s)");

        if (options.Mode == CatchupMode.Init)
        {
            var last = Math.Max(downFiles.LastOrDefault(), 1u);
            await WaitUntilAsync(() => Task.FromResult(LogFiles(Home(cluster, master)).FirstOrDefault() > last), options.CatchupDeadline,
                () => $"the master (site {master}) has not archived its log past file {last} (the down site's last); it has {string.Join(",", LogFiles(Home(cluster, master)))}", cancellationToken).ConfigureAwait(false);
            progress.WriteLine($"the master archived the log past file {last}");
        }

        // A new incarnation at the old address before the others saw the old one fail could be taken for it (and be
        // declared dead): as bench failover does, restart only once every running site reports it unhealthy.
        foreach (var other in cluster.RunningSites.ToList())
        {
            await WaitUntilAsync(async () => !await ReportsHealthySafeAsync(cluster, other, down, cancellationToken).ConfigureAwait(false), options.CatchupDeadline,
                () => $"site {other} still reports site {down} healthy", cancellationToken).ConfigureAwait(false);
        }

        var target = (await ReplicaAsync(cluster, master, cancellationToken).ConfigureAwait(false)).LogEnd;
        progress.WriteLine($"restarting site {down}; the master's log ends at {Format(target)}");
        var cpuBefore = ProcessCpu.SecondsOf(cluster.RunningSites.Select(s => cluster.Process(s).Id));
        var restarted = Stopwatch.StartNew();
        await cluster.RestartAsync(down, cancellationToken).ConfigureAwait(false);
        var upAfter = restarted.Elapsed;
        ReplicaView seen = default;
        var reported = TimeSpan.Zero;
        var initDone = false;
        await WaitUntilAsync(
            async () =>
            {
                seen = await ReplicaAsync(cluster, down, cancellationToken).ConfigureAwait(false);
                if (restarted.Elapsed - reported >= ProgressInterval)
                {
                    // The curve tells a slow start (joining, finding the master) from a slow transfer.
                    reported = restarted.Elapsed;
                    progress.WriteLine($"  {reported.TotalSeconds:F1} s: site {down} is {seen.Role} at {Format(seen.LogEnd)}{(seen.InitDone ? " (init done)" : "")}");
                }

                // Internal init puts the log at the snapshot's LSN (near the master's end) before the pages are
                // loaded: in that mode only its InitDone counts (remembered: later events push it out of the list).
                initDone |= seen.InitDone;
                return seen.Role == "Client" && seen.LogEnd >= target && (options.Mode == CatchupMode.Log || initDone);
            },
            options.CatchupDeadline, () => $"site {down} did not catch up: its replica is {seen.Role} at {Format(seen.LogEnd)}, the master's log ends at {Format(target)}", cancellationToken).ConfigureAwait(false);
        var seconds = restarted.Elapsed.TotalSeconds;
        // The restarted process's whole CPU time counts (it started from nothing), the others' since the restart.
        var cpu = ProcessCpu.SecondsOf(cluster.RunningSites.Select(s => cluster.Process(s).Id)) - cpuBefore;
        var fromUp = seconds - upAfter.TotalSeconds;
        progress.WriteLine($"site {down} caught up {seconds:F1} s after its restart ({fromUp:F1} s after its process was up): {options.Megabytes / seconds:F1} MB/s ({options.Megabytes / fromUp:F1} MB/s from up); the sites used {cpu:F1} CPU-seconds meanwhile");

        var (sampled, wrong) = await CheckSampleAsync(cluster, down, keys, cancellationToken).ConfigureAwait(false);
        progress.WriteLine($"read back {sampled} sampled keys from site {down}: {wrong} wrong or missing");
        return new CatchupReport(
            options.Mode == CatchupMode.Init ? "init" : "log", options.Megabytes, keys, Math.Round(seconds, 2), Math.Round(options.Megabytes / seconds, 1),
            Math.Round(fromUp, 2), Math.Round(options.Megabytes / fromUp, 1), CaughtUp: true, sampled, wrong)
        {
            Site = down,
            LogBytes = seen.LogBytesWritten,
            WriteSeconds = Math.Round(writeSeconds, 2),
            // An InitDone among the last events, or a log that now starts past the files it had before it went down
            // (internal init restarts the log at the snapshot's LSN).
            InternalInit = initDone || LogFiles(Home(cluster, down)).FirstOrDefault() > Math.Max(downFiles.LastOrDefault(), 1u),
            PermFailed = _permFailed,
            CpuSeconds = Math.Round(cpu, 2),
        };
    }

    /// <summary>Writers put unique keys until the payload is written; returns how many keys (writer w wrote sequence
    /// numbers 0.. of its own key range, every <see cref="CatchupBenchOptions.Writers"/>-th key of the whole).</summary>
    private async Task<long> WriteAsync(OrleansRepClient client, CancellationToken cancellationToken)
    {
        var total = ((long)options.Megabytes << 20) / options.ValueBytes;
        long next = -1;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.WriteDeadline);
        var durability = new WriteOptions(Replication.AckPolicy.Quorum);
        async Task WriterAsync()
        {
            for (var i = Interlocked.Increment(ref next); i < total; i = Interlocked.Increment(ref next))
            {
                var key = KeyOf(i);
                var value = CatchupValues.ValueOf(key, options.ValueBytes);
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        await client.PutAsync(key, value, durability, deadline.Token).ConfigureAwait(false);
                        break;
                    }
                    catch (DurabilityNotMetException)
                    {
                        // Committed on the master, acknowledged late by the running client on a loaded machine: the
                        // value is in the master's log, which is all the catch-up needs.
                        Interlocked.Increment(ref _permFailed);
                        break;
                    }
                    catch (ShardException e) when (attempt < MaxPutAttempts && !deadline.IsCancellationRequested)
                    {
                        // No master for a moment (an election on a loaded machine): the same put again.
                        progress.WriteLine($"  put {i} failed ({e.GetType().Name}); again");
                    }
                }

                if ((i + 1) % Math.Max(1, total / 8) == 0)
                {
                    progress.WriteLine($"  {i + 1} of {total} written");
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, options.Writers).Select(_ => Task.Run(WriterAsync, cancellationToken))).ConfigureAwait(false);
        return total;
    }

    private byte[] KeyOf(long i) => CatchupValues.Key((int)(i % options.Writers), i / options.Writers);

    /// <summary>Reads an evenly spread sample of the keys through a client whose only gateway is the caught-up site,
    /// as any replica would serve them (no staleness bound): what that site holds.</summary>
    private async Task<(int Sampled, int Wrong)> CheckSampleAsync(LocalSiteCluster cluster, int site, long keys, CancellationToken cancellationToken)
    {
        var gateway = cluster.Gateways[site - 1];
        var only = new OrleansRepClientOptions { Gateways = [gateway], SecretFile = cluster.SecretFile, ClientId = "orep-bench-catchup-check", Roles = ClientRoles.All };
        await using var client = await OrleansRepClient.ConnectAsync(only, cancellationToken: cancellationToken).ConfigureAwait(false);
        var sample = (int)Math.Min(options.SampleKeys, keys);
        var wrong = 0;
        for (var n = 0; n < sample; n++)
        {
            var key = KeyOf(n * keys / sample);
            var value = await client.GetAsync(key, ReadOptions.AnyReplica(), cancellationToken).ConfigureAwait(false);
            if (value is null || !value.AsSpan().SequenceEqual(CatchupValues.ValueOf(key, options.ValueBytes)))
            {
                if (++wrong <= 10)
                {
                    progress.WriteLine($"  key {Convert.ToHexStringLower(key)}: {(value is null ? "missing" : $"another value ({value.Length} bytes)")} on site {site}");
                }
            }
        }

        return (sample, wrong);
    }

    private static async Task<int> WaitForMasterAsync(LocalSiteCluster cluster, CancellationToken cancellationToken)
    {
        var master = 0;
        await WaitUntilAsync(
            async () =>
            {
                var view = await ReplicaAsync(cluster, cluster.SiteIds.First(), cancellationToken).ConfigureAwait(false);
                master = view.Master;
                return master != 0;
            },
            TimeSpan.FromSeconds(60), () => $"shard {Shard} has no master", cancellationToken).ConfigureAwait(false);
        return master;
    }

    /// <summary>Shard 0 on <paramref name="site"/> as its /api/status reports it; a site still starting reads as role "none".</summary>
    private static async Task<ReplicaView> ReplicaAsync(LocalSiteCluster cluster, int site, CancellationToken cancellationToken)
    {
        try
        {
            var (_, http) = await cluster.Process(site).Started.ConfigureAwait(false);
            using var document = JsonDocument.Parse(await Http.GetStringAsync(new Uri(http, "/api/status"), cancellationToken).ConfigureAwait(false));
            var replica = document.RootElement.GetProperty("shards").EnumerateArray().First(s => s.GetProperty("shard").GetInt32() == Shard);
            var written = replica.TryGetProperty("counters", out var counters) && counters.ValueKind == JsonValueKind.Object ? counters.GetProperty("logBytesWritten").GetInt64() : 0;
            var initDone = replica.GetProperty("recentEvents").EnumerateArray().Any(e => e.GetString()?.Contains(" InitDone ", StringComparison.Ordinal) == true);
            return new ReplicaView(replica.GetProperty("role").GetString() ?? "", replica.GetProperty("master").GetInt32(), replica.GetProperty("logEnd").GetUInt64(), written, initDone);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException
            || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new ReplicaView("none", 0, 0, 0, false);
        }
    }

    /// <summary>Whether <paramref name="observer"/> reports <paramref name="site"/> healthy; one not answering now counts as yes.</summary>
    private static async Task<bool> ReportsHealthySafeAsync(LocalSiteCluster cluster, int observer, int site, CancellationToken cancellationToken)
    {
        try
        {
            return await cluster.ReportsHealthyAsync(observer, site, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return true;
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition().ConfigureAwait(false))
        {
            if (waited.Elapsed > timeout)
            {
                throw new TimeoutException($"{what()} after {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Home(LocalSiteCluster cluster, int site) => Path.Combine(cluster.DataRoot, $"site-{site}", $"shard-{Shard}");

    private static List<uint> LogFiles(string home) => !Directory.Exists(home) ? [] :
        [.. Directory.GetFiles(home, "log.*").Select(f => LogFormat.TryParseFileName(Path.GetFileName(f), out var n) ? n : 0).Where(n => n > 0).Order()];

    private static string Format(ulong lsn) => string.Create(CultureInfo.InvariantCulture, $"{lsn >> 32}/{lsn & 0xFFFF_FFFF}");

    private readonly record struct ReplicaView(string Role, int Master, ulong LogEnd, long LogBytesWritten, bool InitDone);
}
