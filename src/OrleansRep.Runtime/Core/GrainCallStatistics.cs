using System.Diagnostics;

namespace OrleansRep.Runtime.Core;

/// <summary>
/// Calls of one grain method (or of every method of a grain type): how many, how many failed, and their latency in a
/// fixed histogram of power-of-two microsecond buckets (see <see cref="GrainCallLatencyHistogram"/>). Recording is a few
/// <see cref="Interlocked"/> increments: no lock and no allocation per call, so the counters can stay on in production.
/// Latency is what the caller waits for inside this silo: from the call's arrival at the activation (queueing in the
/// mailbox included) to its result.
/// </summary>
public sealed class GrainCallStatistics
{
    private readonly long[] _buckets = new long[GrainCallLatencyHistogram.BucketCount];
    private long _calls;
    private long _failures;
    private long _totalMicros;

    internal GrainCallStatistics(string name) => Name = name;

    /// <summary>The method's name (or the grain type's, for the totals of a type).</summary>
    public string Name { get; }

    /// <summary>Records one call that started at <paramref name="startTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    internal void Record(long startTimestamp, bool failed)
    {
        var micros = (long)Stopwatch.GetElapsedTime(startTimestamp).TotalMicroseconds;
        Interlocked.Increment(ref _calls);
        if (failed)
        {
            Interlocked.Increment(ref _failures);
        }

        Interlocked.Add(ref _totalMicros, micros);
        Interlocked.Increment(ref _buckets[GrainCallLatencyHistogram.BucketOf(micros)]);
    }

    /// <summary>The counters as of now (each read atomically; together, as good as a scrape).</summary>
    public GrainCallCounts Snapshot()
    {
        var buckets = new long[_buckets.Length];
        for (var i = 0; i < buckets.Length; i++)
        {
            buckets[i] = Interlocked.Read(ref _buckets[i]);
        }

        return new GrainCallCounts(Name, Interlocked.Read(ref _calls), Interlocked.Read(ref _failures), Interlocked.Read(ref _totalMicros), buckets);
    }
}
