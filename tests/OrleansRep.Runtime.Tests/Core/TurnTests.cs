using OrleansRep.Runtime.Core;

namespace OrleansRep.Runtime.Tests.Core;

public interface ICounterGrain : IGrainWithStringKey
{
    Task Increment();

    Task<int> GetCount();

    Task<int> MaxConcurrentTurns();
}

/// <summary>A counter whose increment is not atomic: it reads, yields twice, then writes.</summary>
public sealed class CounterGrain : Grain, ICounterGrain
{
    private int _count;
    private int _inside;
    private int _maxInside;

    public async Task Increment()
    {
        _maxInside = Math.Max(_maxInside, ++_inside);
        var value = _count;
        await Task.Yield();
        await Task.Run(static () => { });
        _count = value + 1;
        _inside--;
    }

    public Task<int> GetCount() => Task.FromResult(_count);

    public Task<int> MaxConcurrentTurns() => Task.FromResult(_maxInside);
}

public sealed class TurnTests
{
    [Fact]
    public async Task Concurrent_callers_get_one_turn_at_a_time_and_an_exact_count()
    {
        await using var silo = new SiloBuilder().AddGrain<ICounterGrain, CounterGrain>().Build();
        var counter = silo.GrainFactory.GetGrain<ICounterGrain>("c");

        const int Callers = 32;
        const int CallsEach = 10;
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < CallsEach; i++)
            {
                await counter.Increment();
            }
        })));

        Assert.Equal(Callers * CallsEach, await counter.GetCount());
        Assert.Equal(1, await counter.MaxConcurrentTurns());
    }

    [Fact]
    public async Task Different_grains_have_separate_activations()
    {
        await using var silo = new SiloBuilder().AddGrain<ICounterGrain, CounterGrain>().Build();
        var a = silo.GrainFactory.GetGrain<ICounterGrain>("a");
        var b = silo.GrainFactory.GetGrain<ICounterGrain>("b");

        await a.Increment();
        await a.Increment();
        await b.Increment();

        Assert.Equal(2, await a.GetCount());
        Assert.Equal(1, await b.GetCount());
        Assert.Equal(2, silo.ActivationCount);
        Assert.Equal("a", a.GetPrimaryKeyString());
    }

    [Fact]
    public async Task A_callers_continuation_never_runs_inside_the_grains_turn()
    {
        await using var silo = new SiloBuilder().AddGrain<ICounterGrain, CounterGrain>().Build();
        var counter = silo.GrainFactory.GetGrain<ICounterGrain>("c");

        // A caller outside any grain (no context to return to): resumed inline by the completing turn, its code
        // would run on the activation's scheduler.
        var schedulers = await Task.Run(async () =>
        {
            var seen = new HashSet<TaskScheduler>();
            for (var i = 0; i < 100; i++)
            {
                await counter.GetCount();
                seen.Add(TaskScheduler.Current);
            }

            return seen;
        });

        Assert.Equal([TaskScheduler.Default], schedulers);
    }
}
