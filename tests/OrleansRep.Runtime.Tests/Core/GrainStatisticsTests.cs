using Microsoft.Extensions.DependencyInjection;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Tests.Support;

namespace OrleansRep.Runtime.Tests.Core;

public interface IStatisticsGrain : IGrainWithStringKey
{
    Task<int> Echo(int value);

    Task Fail();

    [AlwaysInterleave]
    Task<int> Interleaved(int value);

    Task Leave();

    Task Wait(TaskCompletionSource gate);
}

public sealed class StatisticsGrain : Grain, IStatisticsGrain
{
    public Task<int> Echo(int value) => Task.FromResult(value);

    public Task Fail() => throw new InvalidOperationException("refused");

    public Task<int> Interleaved(int value) => Task.FromResult(value);

    public Task Leave()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public async Task Wait(TaskCompletionSource gate)
    {
        ArgumentNullException.ThrowIfNull(gate);
        await gate.Task;
    }
}

public sealed class GrainStatisticsTests
{
    private static readonly string GrainType = typeof(StatisticsGrain).FullName!;

    [Fact]
    public async Task Calls_failures_and_activations_are_counted_per_grain_type_and_method()
    {
        await using var silo = new SiloBuilder().AddGrain<IStatisticsGrain, StatisticsGrain>().Build();
        Assert.Equal(0, Counts(silo).Calls.Calls);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(i, await silo.GrainFactory.GetGrain<IStatisticsGrain>("a").Echo(i));
        }

        await silo.GrainFactory.GetGrain<IStatisticsGrain>("b").Echo(1);
        await Assert.ThrowsAsync<InvalidOperationException>(() => silo.GrainFactory.GetGrain<IStatisticsGrain>("a").Fail());
        Assert.Equal(7, await silo.GrainFactory.GetGrain<IStatisticsGrain>("a").Interleaved(7));

        var counts = Counts(silo);
        Assert.Equal(2, counts.Activations);
        Assert.Equal(2, counts.ActivationsTotal);
        Assert.Equal(8, counts.Calls.Calls);
        Assert.Equal(1, counts.Calls.Failures);
        Assert.Equal(8, counts.Calls.Buckets.Sum());
        Assert.Equal(["Echo", "Fail", "Interleaved"], counts.Methods.Select(m => m.Name));
        Assert.Equal((6, 0), (counts.Methods[0].Calls, counts.Methods[0].Failures));
        Assert.Equal((1, 1), (counts.Methods[1].Calls, counts.Methods[1].Failures));
        Assert.Equal(1, counts.Methods[2].Calls);

        // The same counters are a service for grains and hosts.
        Assert.Same(silo.Statistics, silo.Services.GetRequiredService<GrainStatistics>());
    }

    [Fact]
    public async Task A_deactivated_grain_leaves_the_current_activations_but_not_the_total()
    {
        await using var silo = new SiloBuilder().AddGrain<IStatisticsGrain, StatisticsGrain>().Build();
        var grain = silo.GrainFactory.GetGrain<IStatisticsGrain>("a");
        await grain.Leave();
        await Eventually.Until(() => Counts(silo).Activations == 0, "the activation is counted gone");
        await grain.Echo(1);
        var counts = Counts(silo);
        Assert.Equal((1, 2), (counts.Activations, counts.ActivationsTotal));
    }

    [Fact]
    public async Task Latency_includes_the_wait_in_the_mailbox_and_lands_in_the_bucket_that_holds_it()
    {
        await using var silo = new SiloBuilder().AddGrain<IStatisticsGrain, StatisticsGrain>().Build();
        var grain = silo.GrainFactory.GetGrain<IStatisticsGrain>("a");
        await grain.Echo(0);
        var before = Counts(silo).Calls;
        var gate = new TaskCompletionSource();
        var waiting = grain.Wait(gate);
        var queued = grain.Echo(1); // queued behind Wait: its latency includes that wait
        var held = System.Diagnostics.Stopwatch.StartNew();
        await Eventually.Until(() => held.ElapsedMilliseconds >= 20, "20 ms pass");
        gate.SetResult();
        await waiting;
        await queued;

        var since = Counts(silo).Calls.Since(before);
        Assert.Equal(2, since.Calls);
        // Both calls took at least 20 ms: the p50 bucket's upper bound is above 20 000 µs.
        Assert.True(since.PercentileMicros(0.5) > 20_000, $"p50 {since.PercentileMicros(0.5)} µs");
        Assert.True(since.MeanMicros >= 20_000, $"mean {since.MeanMicros} µs");
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(1023, 10)]
    [InlineData(1024, 11)]
    [InlineData(long.MaxValue, GrainCallLatencyHistogram.BucketCount - 1)]
    public void Buckets_are_powers_of_two_of_microseconds(long micros, int bucket)
    {
        Assert.Equal(bucket, GrainCallLatencyHistogram.BucketOf(micros));
        Assert.True(bucket == GrainCallLatencyHistogram.BucketCount - 1 || micros < GrainCallLatencyHistogram.UpperBoundMicros(bucket));
    }

    [Fact]
    public void Percentile_is_the_upper_bound_of_the_bucket_holding_that_rank()
    {
        var buckets = new long[GrainCallLatencyHistogram.BucketCount];
        buckets[3] = 98; // [4, 8) µs
        buckets[10] = 2; // [512, 1024) µs
        Assert.Equal(8, GrainCallLatencyHistogram.Percentile(buckets, 0.5));
        Assert.Equal(8, GrainCallLatencyHistogram.Percentile(buckets, 0.98));
        Assert.Equal(1024, GrainCallLatencyHistogram.Percentile(buckets, 0.99));
        Assert.Equal(0, GrainCallLatencyHistogram.Percentile(new long[GrainCallLatencyHistogram.BucketCount], 0.99));
        Assert.Throws<ArgumentOutOfRangeException>(() => GrainCallLatencyHistogram.Percentile(buckets, 1.5));
    }

    [Fact]
    public void Counts_subtract_and_sum()
    {
        var a = new GrainCallCounts("m", 10, 1, 100, [5, 5]);
        var b = new GrainCallCounts("m", 15, 1, 160, [5, 10]);
        var since = b.Since(a);
        Assert.Equal((5, 0, 60), (since.Calls, since.Failures, since.TotalMicros));
        Assert.Equal([0, 5], since.Buckets);
        var sum = GrainCallCounts.Sum("m", [a, b]);
        Assert.Equal(25, sum.Calls);
        Assert.Equal(15, sum.Buckets[1]);
    }

    private static GrainTypeCounts Counts(Silo silo) => silo.Statistics.Snapshot().Single(c => c.GrainType == GrainType);
}
