using System.Buffers.Binary;
using System.Diagnostics;
using OrleansRep.Storage;
using OrleansRep.Storage.Stats;

namespace OrleansRep.Cli.Bench;

/// <summary>
/// The engine benchmark, the same workload as the Berkeley DB baseline in shared/bench/bdb: 16-byte big-endian keys
/// ((phase &lt;&lt; 32 | thread) then a sequence number), 100-byte values, one put per transaction.
/// Phases: put_nosync (1 writer, Buffered: the guarantee of Berkeley DB's DB_TXN_NOSYNC), put_writenosync (1
/// writer, NoSync: written to the OS at each commit), commit_sync_1w (1 writer, Sync), commit_sync_64w (64 concurrent writers,
/// Sync: group commit), get_1t / get_2t (random point reads over the put_nosync keys, all cached), scan (full
/// cursor scan with bulk reads).
/// </summary>
public static class EngineBenchmark
{
    private const int ValueSize = 100;

    public static IReadOnlyList<BenchPhase> Run(string home, BenchSizes sizes, TextWriter progress, int seed = 42)
    {
        var options = new StorageOptions { CheckpointInterval = TimeSpan.Zero, CheckpointLogBytes = 0 };
        using var env = StorageEnvironment.Open(home, options);
        var db = env.OpenDatabase("bench", create: true);
        var phases = new List<BenchPhase>();
        var value = new byte[ValueSize];
        new Random(seed).NextBytes(value);

        // put_nosync is Berkeley DB's DB_TXN_NOSYNC (records stay in the log buffer): Durability.Buffered here.
        // put_writenosync also writes every commit to the OS (Durability.NoSync): survives a process crash.
        phases.Add(Measure(progress, () => PutSerial(env, db, "put_nosync", 1, sizes.NoSyncPuts, Durability.Buffered, value)));
        phases.Add(Measure(progress, () => PutSerial(env, db, "put_writenosync", 4, sizes.NoSyncPuts / 5, Durability.NoSync, value)));
        phases.Add(Measure(progress, () => PutSerial(env, db, "commit_sync_1w", 2, sizes.SyncPuts, Durability.Sync, value)));
        phases.Add(Measure(progress, () => PutConcurrent(env, db, "commit_sync_64w", 3, sizes.SyncPutsConcurrent, sizes.Writers, value)));
        phases.Add(Measure(progress, () => Gets(env, db, "get_1t", 1, sizes.Gets, sizes.NoSyncPuts, seed)));
        phases.Add(Measure(progress, () => Gets(env, db, "get_2t", 2, sizes.Gets, sizes.NoSyncPuts, seed)));
        phases.Add(Measure(progress, () => Scan(env, db)));
        return phases;
    }

    /// <summary>Runs a phase, adds what it cost the garbage collector, and prints its line.</summary>
    private static BenchPhase Measure(TextWriter progress, Func<BenchPhase> run)
    {
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var (gen0, gen2, paused) = (GC.CollectionCount(0), GC.CollectionCount(2), GC.GetTotalPauseDuration());
        var phase = run();
        phase = phase with
        {
            AllocBytesPerOp = Math.Round((GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)Math.Max(1, phase.Ops), 1),
            GcGen0 = GC.CollectionCount(0) - gen0,
            GcGen2 = GC.CollectionCount(2) - gen2,
            GcPauseMs = Math.Round((GC.GetTotalPauseDuration() - paused).TotalMilliseconds, 1),
        };
        progress.WriteLine($"{phase.Name,-16} {phase.Ops,10} ops {phase.Seconds,8:F2} s {phase.OpsPerSec,12:N0} ops/s  p50 {phase.P50Us,7:F1} us  p99 {phase.P99Us,8:F1} us  {phase.AllocBytesPerOp,8:F0} B/op  gc {phase.GcGen0}/{phase.GcGen2} {phase.GcPauseMs:F0} ms");
        return phase;
    }

    public static void Key(Span<byte> key, uint phase, uint thread, ulong seq)
    {
        BinaryPrimitives.WriteUInt64BigEndian(key, ((ulong)phase << 32) | thread);
        BinaryPrimitives.WriteUInt64BigEndian(key[8..], seq);
    }

    private static BenchPhase PutSerial(StorageEnvironment env, Database db, string name, uint phase, int n, Durability durability, byte[] value)
    {
        var latency = new LatencyHistogram();
        Span<byte> key = stackalloc byte[16];
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            Key(key, phase, 0, (ulong)i);
            using var txn = env.BeginWrite();
            txn.Put(db, key, value);
            txn.Commit(durability);
            latency.RecordTicks(Stopwatch.GetTimestamp() - t0);
        }

        return Phase(name, n, start, latency);
    }

    private static BenchPhase PutConcurrent(StorageEnvironment env, Database db, string name, uint phase, int n, int writers, byte[] value)
    {
        var latency = new LatencyHistogram();
        var per = n / writers;
        var start = Stopwatch.GetTimestamp();
        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var key = new byte[16];
            for (var i = 0; i < per; i++)
            {
                var t0 = Stopwatch.GetTimestamp();
                Key(key, phase, (uint)w, (ulong)i);
                using var txn = await env.BeginWriteAsync().ConfigureAwait(false);
                txn.Put(db, key, value);
                await txn.CommitAsync(Durability.Sync).ConfigureAwait(false);
                latency.RecordTicks(Stopwatch.GetTimestamp() - t0);
            }
        })).ToArray();
        Task.WaitAll(tasks);
        return Phase(name, (long)per * writers, start, latency);
    }

    private static BenchPhase Gets(StorageEnvironment env, Database db, string name, int threads, int n, int keySpace, int seed)
    {
        var latency = new LatencyHistogram();
        var per = n / threads;
        var start = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var rng = new Random(seed + t);
            Span<byte> key = stackalloc byte[16];
            for (var i = 0; i < per; i++)
            {
                // Time every 64th get: the clock read would otherwise cost as much as the get.
                var timed = (i & 63) == 0;
                var t0 = timed ? Stopwatch.GetTimestamp() : 0;
                Key(key, 1, 0, (ulong)rng.Next(keySpace));
                if (!env.TryGet(db, key, out var v) || v.Length != ValueSize)
                {
                    throw new InvalidOperationException($"get of key {i} failed");
                }

                if (timed)
                {
                    latency.RecordTicks(Stopwatch.GetTimestamp() - t0);
                }
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        return Phase(name, (long)per * threads, start, latency);
    }

    private static BenchPhase Scan(StorageEnvironment env, Database db)
    {
        var latency = new LatencyHistogram();
        var buffer = new BulkBuffer(4 << 20);
        long records = 0;
        var start = Stopwatch.GetTimestamp();
        using (var read = env.BeginRead())
        {
            var cursor = read.OpenCursor(db);
            cursor.First();
            while (true)
            {
                var t0 = Stopwatch.GetTimestamp();
                var n = cursor.ReadBulk(buffer);
                latency.RecordTicks(Stopwatch.GetTimestamp() - t0);
                if (n == 0)
                {
                    break;
                }

                records += n;
            }
        }

        return Phase("scan", records, start, latency);
    }

    private static BenchPhase Phase(string name, long ops, long start, LatencyHistogram latency)
    {
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new BenchPhase(name, ops, Math.Round(seconds, 4), Math.Round(ops / seconds, 1), latency.Percentile(0.50), latency.Percentile(0.99));
    }
}
