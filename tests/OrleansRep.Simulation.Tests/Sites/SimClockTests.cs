using OrleansRep.Simulation.Sites;

namespace OrleansRep.Simulation.Tests.Sites;

public sealed class SimClockTests
{
    [Fact]
    public void A_fast_clock_gains_its_drift_and_starts_at_its_offset()
    {
        var clock = new SimClock(offsetMicros: 5_000, driftPpm: 1_000);
        Assert.Equal(5_000, clock.LocalAt(0));
        Assert.Equal(5_000 + 1_000_000 + 1_000, clock.LocalAt(1_000_000));
    }

    [Fact]
    public void A_slow_clock_loses_its_drift()
    {
        var clock = new SimClock(0, -2_000);
        Assert.Equal(998_000, clock.LocalAt(1_000_000));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(123, 250)]
    [InlineData(999, -250)]
    [InlineData(40_000, 4_975)]
    [InlineData(40_000, -4_975)]
    public void SimAt_is_the_earliest_simulated_time_the_clock_shows_a_local_time(long offset, int drift)
    {
        var clock = new SimClock(offset, drift);
        for (long local = offset; local < offset + 3_000_000; local += 7_919)
        {
            var sim = clock.SimAt(local);
            Assert.True(clock.LocalAt(sim) >= local, $"at {sim} the clock shows {clock.LocalAt(sim)} < {local}");
            Assert.True(sim == 0 || clock.LocalAt(sim - 1) < local, $"{sim} is not the earliest for {local}");
        }
    }

    [Fact]
    public void Local_time_never_goes_back()
    {
        var clock = new SimClock(0, -4_000);
        var last = -1L;
        for (long t = 0; t < 2_000_000; t += 997)
        {
            var local = clock.LocalAt(t);
            Assert.True(local >= last);
            last = local;
        }
    }

    [Theory]
    [InlineData(1.0, 0)]
    [InlineData(1.01, 4_975)]
    [InlineData(1.05, 24_390)]
    public void The_drift_bound_keeps_a_fast_and_a_slow_clock_within_the_lease_skew(double skew, int expected)
    {
        var max = SimClock.MaxDriftFor(skew);
        Assert.Equal(expected, max);
        var fast = new SimClock(0, max);
        var slow = new SimClock(0, -max);
        var ratio = (double)fast.LocalAt(10_000_000) / slow.LocalAt(10_000_000);
        Assert.True(ratio <= skew, $"ratio {ratio} above skew {skew}");
    }

    [Fact]
    public void Nonsense_clocks_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimClock(-1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimClock(0, 600_000));
    }
}
