namespace OrleansRep.Runtime.Core;

/// <summary>
/// The buckets of the grain call latency histograms: bucket 0 holds calls under 1 µs, bucket i (1..) those of
/// [2^(i-1), 2^i) µs, and the last everything from about 16.8 s up. Power-of-two buckets make recording a bit scan and
/// a percentile at most a factor of two off, which is what a dashboard needs.
/// </summary>
public static class GrainCallLatencyHistogram
{
    /// <summary>Number of buckets (the last is open-ended).</summary>
    public const int BucketCount = 26;

    /// <summary>The bucket of a latency of <paramref name="micros"/> microseconds.</summary>
    public static int BucketOf(long micros) =>
        micros <= 0 ? 0 : Math.Min(BucketCount - 1, 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)micros));

    /// <summary>The upper bound of bucket <paramref name="bucket"/>, in microseconds (the last: its lower bound).</summary>
    public static long UpperBoundMicros(int bucket)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bucket);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bucket, BucketCount);
        return bucket == BucketCount - 1 ? 1L << (bucket - 1) : 1L << bucket;
    }

    /// <summary>
    /// The <paramref name="quantile"/> (0..1) of the calls counted in <paramref name="buckets"/>, as the upper bound
    /// of the bucket that holds it, in microseconds; 0 when there are none.
    /// </summary>
    public static long Percentile(IReadOnlyList<long> buckets, double quantile)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        ArgumentOutOfRangeException.ThrowIfLessThan(quantile, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quantile, 1.0);
        long total = 0;
        foreach (var count in buckets)
        {
            total += count;
        }

        if (total == 0)
        {
            return 0;
        }

        // The rank of the quantile among the calls, 1-based: the p99 of 100 calls is the 99th.
        var rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        long seen = 0;
        for (var i = 0; i < buckets.Count; i++)
        {
            seen += buckets[i];
            if (seen >= rank)
            {
                return UpperBoundMicros(i);
            }
        }

        return UpperBoundMicros(buckets.Count - 1);
    }
}
