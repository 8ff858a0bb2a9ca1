namespace OrleansRep.Simulation.Sites;

/// <summary>
/// A site's clock: its own time runs at (1 + drift) of simulated time, from an offset, so sites disagree a little on
/// how long things take, as real clocks do. Drift is in parts per million and bounded by the caller (within the lease
/// clock-skew bound when leases are on). Local time is monotonic; integer arithmetic keeps it reproducible.
/// </summary>
public sealed class SimClock
{
    public const long PartsPerMillion = 1_000_000;

    public SimClock(long offsetMicros, int driftPpm)
    {
        if (offsetMicros < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offsetMicros), "a clock starts at or after zero");
        }

        if (Math.Abs(driftPpm) >= PartsPerMillion / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(driftPpm), "drift must be well under 50%");
        }

        Offset = offsetMicros;
        DriftPpm = driftPpm;
    }

    public long Offset { get; }

    public int DriftPpm { get; }

    /// <summary>The site's time at simulated time <paramref name="simNow"/>.</summary>
    public long LocalAt(long simNow) => Offset + simNow + (simNow * DriftPpm / PartsPerMillion);

    /// <summary>The earliest simulated time at which the site's clock shows at least <paramref name="local"/>.</summary>
    public long SimAt(long local)
    {
        if (local <= Offset)
        {
            return 0;
        }

        var elapsed = local - Offset;
        var sim = elapsed * PartsPerMillion / (PartsPerMillion + DriftPpm);
        while (LocalAt(sim) < local)
        {
            sim++;
        }

        while (sim > 0 && LocalAt(sim - 1) >= local)
        {
            sim--;
        }

        return sim;
    }

    /// <summary>The largest drift (ppm) for which two clocks, one fast and one slow, stay within <paramref name="skew"/>
    /// (fast/slow, as <see cref="Replication.ReplicationOptions.ClockSkew"/>).</summary>
    public static int MaxDriftFor(double skew) => (int)Math.Floor((skew - 1) / (skew + 1) * PartsPerMillion);
}
