namespace OrleansRep.Runtime.Core;

/// <summary>
/// A reading of <see cref="GrainCallStatistics"/>: calls, failures, total latency (µs) and the latency histogram
/// (<see cref="GrainCallLatencyHistogram"/> buckets). Counters only grow while the silo runs, so the difference of two readings
/// (<see cref="Since"/>) is what happened between them.
/// </summary>
public sealed record GrainCallCounts(string Name, long Calls, long Failures, long TotalMicros, IReadOnlyList<long> Buckets)
{
    /// <summary>Mean latency in microseconds (0 without calls).</summary>
    public double MeanMicros => Calls == 0 ? 0 : (double)TotalMicros / Calls;

    /// <summary>The <paramref name="quantile"/> latency in microseconds (see <see cref="GrainCallLatencyHistogram.Percentile"/>).</summary>
    public long PercentileMicros(double quantile) => GrainCallLatencyHistogram.Percentile(Buckets, quantile);

    /// <summary>What happened since <paramref name="earlier"/> (a reading of the same counters; null: since the start).</summary>
    public GrainCallCounts Since(GrainCallCounts? earlier)
    {
        if (earlier is null)
        {
            return this;
        }

        var buckets = new long[Buckets.Count];
        for (var i = 0; i < buckets.Length; i++)
        {
            buckets[i] = Buckets[i] - (i < earlier.Buckets.Count ? earlier.Buckets[i] : 0);
        }

        return new GrainCallCounts(Name, Calls - earlier.Calls, Failures - earlier.Failures, TotalMicros - earlier.TotalMicros, buckets);
    }

    /// <summary>The sum of <paramref name="counts"/> under <paramref name="name"/> (e.g. one method across silos).</summary>
    public static GrainCallCounts Sum(string name, IEnumerable<GrainCallCounts> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var buckets = new long[GrainCallLatencyHistogram.BucketCount];
        long calls = 0, failures = 0, micros = 0;
        foreach (var c in counts)
        {
            calls += c.Calls;
            failures += c.Failures;
            micros += c.TotalMicros;
            for (var i = 0; i < Math.Min(buckets.Length, c.Buckets.Count); i++)
            {
                buckets[i] += c.Buckets[i];
            }
        }

        return new GrainCallCounts(name, calls, failures, micros, buckets);
    }
}
