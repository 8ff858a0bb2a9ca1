using OrleansRep.Runtime.Core;

namespace OrleansRep.Grains.Tests.Engine;

public interface ICounterGrain : IGrainWithStringKey
{
    Task Add(int amount);

    Task<int> GetValue();
}

/// <summary>Persistent state of <see cref="CounterGrain"/>.</summary>
public sealed class CounterState
{
    public int Value { get; set; }
}

/// <summary>A grain whose state lives in the silo's default grain storage.</summary>
public sealed class CounterGrain : Grain, ICounterGrain
{
    private readonly IPersistentState<CounterState> _counter;

    public CounterGrain() => _counter = GetPersistentState<CounterState>("counter");

    public async Task Add(int amount)
    {
        _counter.State.Value += amount;
        await _counter.WriteStateAsync();
    }

    public Task<int> GetValue() => Task.FromResult(_counter.State.Value);
}
