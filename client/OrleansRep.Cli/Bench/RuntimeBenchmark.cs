using System.Diagnostics;
using System.Security.Cryptography;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Hosting;
using OrleansRep.Runtime.Placement;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Streams;
using OrleansRep.Runtime.Transport;
using OrleansRep.Storage.Stats;

namespace OrleansRep.Cli.Bench;

/// <summary>
/// The runtime benchmark (issue 4), in one process: a silo behind a <see cref="TransportServer"/> on loopback (plain
/// TCP, as the transport allows only there; the cluster-secret HMAC handshake on) and <see cref="GrainClient"/>s.
/// Phases: call_1c (one caller, sequential round trips of <see cref="IRuntimeBenchGrain.Increment"/>), call_64c
/// (64 concurrent callers, each on its own grain, over a few connections), the same two over the in-memory transport
/// (call_1c_mem, call_64c_mem: the runtime's cost without the kernel's TCP), and stream_100b (100-byte byte[] records
/// between two <see cref="SiloHost"/>s in this process, on loopback with the HMAC handshake and plain TCP: one stream
/// owned by silo A, published there in batches of <see cref="StreamBatch"/> with <c>OnNextBatchAsync</c>, delivered
/// to a batch observer on silo B over the silos' endpoint, after a warm-up of at least 4 s in full runs; records/s,
/// MB/s of payload, and p50/p99 of the batch publish call, which includes waiting for room when the subscriber is
/// behind).
/// </summary>
public static class RuntimeBenchmark
{
    /// <summary>Targets from the issue, on the reference machine.</summary>
    public const double TargetCallsPerSecond64 = 300_000;

    public const double TargetP50Us1 = 100;

    public const double TargetRecordsPerSecond = 2_000_000;

    public const double TargetMbPerSecond = 200;

    private const int RecordSize = 100;

    /// <summary>Records per publish call in stream_100b.</summary>
    private const int StreamBatch = 1024;

    public static async Task<IReadOnlyList<BenchPhase>> RunAsync(RuntimeBenchSizes sizes, TextWriter progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentNullException.ThrowIfNull(progress);
        if (sizes.SequentialCalls <= 0 || sizes.Callers <= 0 || sizes.Connections <= 0 || sizes.ConcurrentCalls < sizes.Callers
            || sizes.WarmupCalls < 0 || sizes.StreamRecords <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sizes), sizes, "call and record counts must be positive, with at least one call per caller");
        }

        progress.WriteLine($"machine: {Environment.ProcessorCount} cores (nproc), .NET {Environment.Version}; loopback, plain TCP, HMAC handshake");
        progress.WriteLine($"targets: call_64c >= {TargetCallsPerSecond64:N0} calls/s, call_1c p50 <= {TargetP50Us1:F0} us, stream_100b >= {TargetRecordsPerSecond:N0} records/s and {TargetMbPerSecond:F0} MB/s");
        var phases = new List<BenchPhase>();
        await CallPhasesAsync(sizes, phases, progress, network: null, cancellationToken).ConfigureAwait(false);
        // The same calls through the in-memory transport: what the runtime costs without the kernel's TCP.
        await CallPhasesAsync(sizes, phases, progress, new InMemoryNetwork(), cancellationToken).ConfigureAwait(false);
        phases.Add(await MeasureAsync(progress, () => CrossSiloStreamAsync(sizes.StreamRecords, cancellationToken)).ConfigureAwait(false));
        var call64 = phases.First(p => p.Name == "call_64c");
        var call1 = phases.First(p => p.Name == "call_1c");
        progress.WriteLine($"call_64c {call64.OpsPerSec:N0} calls/s: target {(call64.OpsPerSec >= TargetCallsPerSecond64 ? "met" : "missed")}; " +
            $"call_1c p50 {call1.P50Us:F1} us: target {(call1.P50Us <= TargetP50Us1 ? "met" : "missed")}");
        var stream = phases.First(p => p.Name == "stream_100b");
        progress.WriteLine($"stream_100b {stream.OpsPerSec:N0} records/s, {stream.MbPerSec:F1} MB/s: target {(stream.OpsPerSec >= TargetRecordsPerSecond && stream.MbPerSec >= TargetMbPerSecond ? "met" : "missed")}");
        return phases;
    }

    /// <summary>call_1c and call_64c against a fresh gateway, over TCP or (suffix <c>_mem</c>) an in-memory network.</summary>
    private static async Task CallPhasesAsync(RuntimeBenchSizes sizes, List<BenchPhase> phases, TextWriter progress, InMemoryNetwork? network, CancellationToken cancellationToken)
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        string suffix = network is null ? string.Empty : "_mem";
        await using var silo = new SiloBuilder().AddGrain<IRuntimeBenchGrain, RuntimeBenchGrain>().Build();
        await using var gateway = await TransportServer.StartAsync(
            new TransportServerOptions { ClusterSecret = secret, Network = network }, new GrainCallHandler(silo), cancellationToken: cancellationToken).ConfigureAwait(false);
        var clients = new List<GrainClient>(sizes.Connections);
        try
        {
            for (int i = 0; i < sizes.Connections; i++)
            {
                var options = new GrainClientOptions { ClusterSecret = secret, ClientId = $"bench-{i}", Roles = ClientRoles.Read, Network = network };
                clients.Add(await GrainClient.ConnectAsync(gateway.EndPoint, options, cancellationToken: cancellationToken).ConfigureAwait(false));
            }

            var callers = Enumerable.Range(0, sizes.Callers)
                .Select(i => clients[i % clients.Count].GetGrain<IRuntimeBenchGrain>($"caller-{i}"))
                .ToArray();
            await CallConcurrentlyAsync(callers, sizes.WarmupCalls, latency: null, cancellationToken).ConfigureAwait(false);
            phases.Add(await MeasureAsync(progress, async () => await SequentialCallsAsync(callers[0], sizes.SequentialCalls, cancellationToken).ConfigureAwait(false) with { Name = "call_1c" + suffix }).ConfigureAwait(false));
            phases.Add(await MeasureAsync(progress, async () => await ConcurrentCallsAsync(callers, sizes.ConcurrentCalls, cancellationToken).ConfigureAwait(false) with { Name = $"call_{callers.Length}c{suffix}" }).ConfigureAwait(false));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<BenchPhase> SequentialCallsAsync(IRuntimeBenchGrain grain, int calls, CancellationToken cancellationToken)
    {
        // Warm the measured path alone (its connection, its activation) so the first timed call is not the first call.
        await CallAsync(grain, Math.Min(calls, 1_000), null, cancellationToken).ConfigureAwait(false);
        var latency = new LatencyHistogram();
        var start = Stopwatch.GetTimestamp();
        await CallAsync(grain, calls, latency, cancellationToken).ConfigureAwait(false);
        return Phase("call_1c", calls, start, latency);
    }

    private static async Task<BenchPhase> ConcurrentCallsAsync(IRuntimeBenchGrain[] callers, int calls, CancellationToken cancellationToken)
    {
        var latency = new LatencyHistogram();
        var start = Stopwatch.GetTimestamp();
        long done = await CallConcurrentlyAsync(callers, calls / callers.Length, latency, cancellationToken).ConfigureAwait(false);
        return Phase($"call_{callers.Length}c", done, start, latency);
    }

    /// <summary>Every caller makes <paramref name="perCaller"/> sequential calls, all callers at once.</summary>
    private static async Task<long> CallConcurrentlyAsync(IRuntimeBenchGrain[] callers, int perCaller, LatencyHistogram? latency, CancellationToken cancellationToken)
    {
        var tasks = callers.Select(grain => Task.Run(() => CallAsync(grain, perCaller, latency, cancellationToken), cancellationToken));
        await Task.WhenAll(tasks).ConfigureAwait(false);
        return (long)perCaller * callers.Length;
    }

    private static async Task CallAsync(IRuntimeBenchGrain grain, int calls, LatencyHistogram? latency, CancellationToken cancellationToken)
    {
        for (int i = 0; i < calls; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long t0 = Stopwatch.GetTimestamp();
            int result = await grain.Increment(i).ConfigureAwait(false);
            latency?.RecordTicks(Stopwatch.GetTimestamp() - t0);
            if (result != i + 1)
            {
                throw new InvalidOperationException($"the benchmark grain returned {result} for {i}; the round trip is broken");
            }
        }
    }

    /// <summary>Two silos; 100-byte records published on silo A's stream in batches, counted by a subscriber on silo B.</summary>
    private static async Task<BenchPhase> CrossSiloStreamAsync(int records, CancellationToken cancellationToken)
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        var sites = new SiteDirectory();
        var streams = new MemoryStreamProviderOptions { SubscriberBufferCapacity = 8 * StreamBatch, MaxDeliveryBatchSize = StreamBatch, RetainedItemsPerStream = StreamBatch };
        await using var a = await SiloHost.StartAsync(
            new SiloHostOptions { ClusterSecret = secret, SiteId = 1, SiloName = "bench-a" }, new SiloBuilder().AddMemoryStreams(options: streams), sites,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var b = await SiloHost.StartAsync(
            new SiloHostOptions { ClusterSecret = secret, SiteId = 2, SiloName = "bench-b", Seeds = [a.EndPoint] }, new SiloBuilder().AddMemoryStreams(options: streams), sites,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        var joined = Stopwatch.StartNew();
        while (a.Membership.View.ActiveSilos.Count < 2 || b.Membership.View.ActiveSilos.Count < 2)
        {
            if (joined.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"the two benchmark silos did not see each other within 30 s: {a.Membership.View}; {b.Membership.View}");
            }
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }

        // Warm-up streams first, for at least 4 s in full runs: tiered compilation takes seconds to reach the hot
        // loops, and the measured stream must not pay for JIT compilation or the first connection.
        var warming = Stopwatch.StartNew();
        int round = 0;
        do
        {
            await PublishAcrossAsync(a, b, $"warmup{round++}@1", Math.Min(records, 2_000_000), null, cancellationToken).ConfigureAwait(false);
        }
        while (records >= 1_000_000 && warming.Elapsed < TimeSpan.FromSeconds(4));
        var latency = new LatencyHistogram();
        var start = Stopwatch.GetTimestamp();
        await PublishAcrossAsync(a, b, "records@1", records, latency, cancellationToken).ConfigureAwait(false);
        var phase = Phase("stream_100b", records, start, latency);
        return phase with { MbPerSec = Math.Round(phase.OpsPerSec * RecordSize / 1_000_000.0, 1) };
    }

    /// <summary>Publishes <paramref name="records"/> on stream bench/<paramref name="key"/> (owned by A) and waits until B's subscriber has them all.</summary>
    private static async Task PublishAcrossAsync(SiloHost a, SiloHost b, string key, int records, LatencyHistogram? latency, CancellationToken cancellationToken)
    {
        var id = new StreamId("bench", key);
        var counter = new RuntimeBenchStreamCounter(records);
        var subscription = await b.Silo.GetStreamProvider().GetStream<byte[]>(id).SubscribeAsync(counter, cancellationToken: cancellationToken).ConfigureAwait(false);
        var stream = a.Silo.GetStreamProvider().GetStream<byte[]>(id);
        var record = new byte[RecordSize];
        var batch = new SequencedItem<byte[]>[StreamBatch];
        for (int published = 0; published < records; published += batch.Length)
        {
            if (records - published < batch.Length)
            {
                batch = new SequencedItem<byte[]>[records - published];
            }
            for (int i = 0; i < batch.Length; i++)
            {
                batch[i] = new SequencedItem<byte[]>(record, new StreamSequenceToken(published + i));
            }
            long t0 = Stopwatch.GetTimestamp();
            int accepted = await stream.OnNextBatchAsync(batch, cancellationToken).ConfigureAwait(false);
            latency?.RecordTicks(Stopwatch.GetTimestamp() - t0);
            if (accepted != batch.Length)
            {
                throw new InvalidOperationException($"{batch.Length - accepted} records from {published} were dropped as duplicates");
            }
        }

        await counter.AllReceived.WaitAsync(cancellationToken).ConfigureAwait(false);
        await subscription.UnsubscribeAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a phase, adds what it cost the garbage collector, and prints its line.</summary>
    private static async Task<BenchPhase> MeasureAsync(TextWriter progress, Func<Task<BenchPhase>> run)
    {
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var (gen0, gen2, paused) = (GC.CollectionCount(0), GC.CollectionCount(2), GC.GetTotalPauseDuration());
        // CPU time per op (client and server sides, all threads) says more than ops/s on a machine shared with other work.
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var phase = await run().ConfigureAwait(false);
        double cpuUsPerOp = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / Math.Max(1, phase.Ops);
        phase = phase with
        {
            AllocBytesPerOp = Math.Round((GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)Math.Max(1, phase.Ops), 1),
            GcGen0 = GC.CollectionCount(0) - gen0,
            GcGen2 = GC.CollectionCount(2) - gen2,
            GcPauseMs = Math.Round((GC.GetTotalPauseDuration() - paused).TotalMilliseconds, 1),
        };
        var mb = phase.MbPerSec is { } rate ? $"  {rate:F1} MB/s" : string.Empty;
        progress.WriteLine($"{phase.Name,-18} {phase.Ops,10} ops {phase.Seconds,8:F2} s {phase.OpsPerSec,12:N0} ops/s  p50 {phase.P50Us,7:F1} us  p99 {phase.P99Us,8:F1} us  {phase.AllocBytesPerOp,8:F0} B/op  cpu {cpuUsPerOp,6:F2} us/op  gc {phase.GcGen0}/{phase.GcGen2} {phase.GcPauseMs:F0} ms{mb}");
        return phase;
    }

    private static BenchPhase Phase(string name, long ops, long start, LatencyHistogram latency)
    {
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new BenchPhase(name, ops, Math.Round(seconds, 4), Math.Round(ops / seconds, 1), latency.Percentile(0.50), latency.Percentile(0.99));
    }
}
