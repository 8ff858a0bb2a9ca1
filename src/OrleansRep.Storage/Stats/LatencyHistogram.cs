using System.Diagnostics;

namespace OrleansRep.Storage.Stats;

/// <summary>
/// A thread-safe latency histogram with log-linear buckets (8 per power of two, so within 12.5%), from 1 µs to
/// about 1 hour. Fixed memory, no allocation per sample: cheap enough for the fsync path.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBuckets = 8;
    private const int Powers = 32;
    private readonly long[] _counts = new long[Powers * SubBuckets];
    private long _total;
    private long _maxTicks;

    public long Count => Interlocked.Read(ref _total);

    public void RecordTicks(long stopwatchTicks)
    {
        var us = (long)(stopwatchTicks * 1_000_000.0 / Stopwatch.Frequency);
        Record(us);
        long seen;
        while (stopwatchTicks > (seen = Interlocked.Read(ref _maxTicks)) && Interlocked.CompareExchange(ref _maxTicks, stopwatchTicks, seen) != seen)
        {
        }
    }

    public void RecordMicroseconds(long us)
    {
        Record(us);
        var ticks = us * Stopwatch.Frequency / 1_000_000;
        long seen;
        while (ticks > (seen = Interlocked.Read(ref _maxTicks)) && Interlocked.CompareExchange(ref _maxTicks, ticks, seen) != seen)
        {
        }
    }

    private void Record(long us)
    {
        Interlocked.Increment(ref _counts[Index(Math.Max(us, 0))]);
        Interlocked.Increment(ref _total);
    }

    public double MaxMicroseconds => Interlocked.Read(ref _maxTicks) * 1_000_000.0 / Stopwatch.Frequency;

    /// <summary>The value at quantile <paramref name="q"/> (0..1) in microseconds: the upper edge of its bucket.</summary>
    public double Percentile(double q)
    {
        var total = Count;
        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= Math.Max(rank, 1))
            {
                return UpperEdge(i);
            }
        }

        return UpperEdge(_counts.Length - 1);
    }

    private static int Index(long us)
    {
        if (us < SubBuckets)
        {
            return (int)us;
        }

        var power = 63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)us); // us >= 8 → power >= 3
        var sub = (int)((us >> (power - 3)) & (SubBuckets - 1));
        var index = ((power - 2) * SubBuckets) + sub;
        return Math.Min(index, (Powers * SubBuckets) - 1);
    }

    private static double UpperEdge(int index)
    {
        if (index < SubBuckets)
        {
            return index;
        }

        var power = (index / SubBuckets) + 2;
        var sub = index % SubBuckets;
        return ((long)(SubBuckets + sub + 1) << (power - 3)) - 1;
    }
}
