using System.Diagnostics;
using System.Security.Cryptography;
using OrleansRep.Runtime.Core;
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
/// (call_1c_mem, call_64c_mem: the runtime's cost without the kernel's TCP), and stream_100b_local (100-byte records
/// through one <see cref="MemoryStreamProvider"/> stream to one subscriber, in process). The issue's stream_100b
/// phase (between two silos) is not measured: there is no cross-silo stream path yet, and an in-process number
/// must not pass for it.
/// </summary>
public static class RuntimeBenchmark
{
    /// <summary>Targets from the issue, on the reference machine.</summary>
    public const double TargetCallsPerSecond64 = 300_000;

    public const double TargetP50Us1 = 100;

    private const int RecordSize = 100;

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
        progress.WriteLine($"targets: call_64c >= {TargetCallsPerSecond64:N0} calls/s, call_1c p50 <= {TargetP50Us1:F0} us");
        var phases = new List<BenchPhase>();
        await CallPhasesAsync(sizes, phases, progress, network: null, cancellationToken).ConfigureAwait(false);
        // The same calls through the in-memory transport: what the runtime costs without the kernel's TCP.
        await CallPhasesAsync(sizes, phases, progress, new InMemoryNetwork(), cancellationToken).ConfigureAwait(false);
        phases.Add(await MeasureAsync(progress, () => LocalStreamAsync(sizes.StreamRecords, cancellationToken)).ConfigureAwait(false));
        progress.WriteLine("stream_100b: not measured: the runtime has no cross-silo stream path yet (stream_100b_local is one process, no transport)");
        var call64 = phases.First(p => p.Name == "call_64c");
        var call1 = phases.First(p => p.Name == "call_1c");
        progress.WriteLine($"call_64c {call64.OpsPerSec:N0} calls/s: target {(call64.OpsPerSec >= TargetCallsPerSecond64 ? "met" : "missed")}; " +
            $"call_1c p50 {call1.P50Us:F1} us: target {(call1.P50Us <= TargetP50Us1 ? "met" : "missed")}");
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

    /// <summary>Publishes 100-byte records on one in-process stream and waits until the subscriber has them all.</summary>
    private static async Task<BenchPhase> LocalStreamAsync(int records, CancellationToken cancellationToken)
    {
        await using var provider = new MemoryStreamProvider();
        var stream = provider.GetStream<byte[]>(new StreamId("bench", "records"));
        var counter = new RuntimeBenchStreamCounter(records);
        var subscription = await stream.SubscribeAsync(counter, cancellationToken: cancellationToken).ConfigureAwait(false);
        var record = new byte[RecordSize];
        var latency = new LatencyHistogram();
        var token = new StreamSequenceToken(0);
        var start = Stopwatch.GetTimestamp();
        for (int i = 0; i < records; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            if (!await stream.OnNextAsync(record, token, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"record {i} was dropped as a duplicate");
            }

            latency.RecordTicks(Stopwatch.GetTimestamp() - t0);
            token = token.Next();
        }

        await counter.AllReceived.WaitAsync(cancellationToken).ConfigureAwait(false);
        var phase = Phase("stream_100b_local", records, start, latency);
        await subscription.UnsubscribeAsync(cancellationToken).ConfigureAwait(false);
        return phase with { MbPerSec = Math.Round(phase.OpsPerSec * RecordSize / 1_000_000.0, 1) };
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
