using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Hosting;
using OrleansRep.Runtime.Tests.Core;

namespace OrleansRep.Runtime.Tests.Testing;

/// <summary>A counter that says which silo it runs on; its state lives in whatever storage the cluster shares.</summary>
public interface IPlacedCounterGrain : IGrainWithStringKey
{
    Task<int> Add(int n);

    Task<string> WhereAmI();

    /// <summary>Never completes on its own: lets a test hold a call open on the grain's silo.</summary>
    Task Hang(CancellationToken cancellationToken);
}

public sealed class PlacedCounterGrain : Grain, IPlacedCounterGrain
{
    private readonly LocalSiloDetails _silo;
    private readonly IPersistentState<CounterState> _state;

    public PlacedCounterGrain(LocalSiloDetails silo)
    {
        _silo = silo;
        _state = GetPersistentState<CounterState>("counter");
    }

    public async Task<int> Add(int n)
    {
        _state.State.Value += n;
        await _state.WriteStateAsync();
        return _state.State.Value;
    }

    public Task<string> WhereAmI() => Task.FromResult(_silo.Address.ToString());

    public Task Hang(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);
}
