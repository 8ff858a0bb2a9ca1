using OrleansRep.Grains.Interfaces;
using OrleansRep.Grains.Recovery;

namespace OrleansRep.Grains.Tests.Recovery;

/// <summary>Write rates from the masters' commit counters: smoothed, and started over on a new master or counter.</summary>
public sealed class ShardWriteRatesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_rate_needs_two_readings_from_one_master_and_is_smoothed()
    {
        var rates = new ShardWriteRates();
        rates.Observe(T0, [View(1, master: 1, commits: 100)]);
        Assert.Empty(rates.Current);

        rates.Observe(T0.AddSeconds(1), [View(1, master: 1, commits: 300), View(2, master: 1, commits: 0)]); // site 2 is no master: ignored
        Assert.Equal(200, rates.Current[0]);

        rates.Observe(T0.AddSeconds(2), [View(1, master: 1, commits: 300)]); // an idle second halves it
        Assert.Equal(100, rates.Current[0]);
    }

    [Fact]
    public void A_new_master_or_a_restarted_counter_starts_over()
    {
        var rates = new ShardWriteRates();
        rates.Observe(T0, [View(1, master: 1, commits: 100)]);
        rates.Observe(T0.AddSeconds(1), [View(1, master: 1, commits: 200)]);

        rates.Observe(T0.AddSeconds(2), [View(2, master: 2, commits: 5)]);
        Assert.Empty(rates.Current);
        rates.Observe(T0.AddSeconds(3), [View(2, master: 2, commits: 1)]); // restarted: its counter went back
        Assert.Empty(rates.Current);
        rates.Observe(T0.AddSeconds(4), [View(2, master: 2, commits: 51)]);
        Assert.Equal(50, rates.Current[0]);
    }

    private static RecoveryView View(int site, int master, long commits) =>
        new(site, T0, false, null, false, 1, 1, [new ShardMastership(0, master, 1, 1) { Commits = master == site ? commits : 0 }], []);
}
