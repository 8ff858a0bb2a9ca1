using Microsoft.Extensions.DependencyInjection;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Tests.Support;

namespace OrleansRep.Runtime.Tests.Core;

/// <summary>Releases the grains parked in <see cref="GateGrainBase.Enter"/>.</summary>
public sealed class Gate
{
    public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

public interface IGateMethods : IGrainWithStringKey
{
    /// <summary>Parks until the gate is released.</summary>
    Task Enter();

    [AlwaysInterleave]
    Task<int> Inside();

    Task<int> MaxInside();
}

public interface IGateGrain : IGateMethods;

public interface IReentrantGateGrain : IGateMethods;

public abstract class GateGrainBase(Gate gate) : Grain, IGateMethods
{
    private int _inside;
    private int _maxInside;

    public async Task Enter()
    {
        _maxInside = Math.Max(_maxInside, ++_inside);
        await gate.Released.Task;
        _inside--;
    }

    public Task<int> Inside() => Task.FromResult(_inside);

    public Task<int> MaxInside() => Task.FromResult(_maxInside);
}

public sealed class GateGrain(Gate gate) : GateGrainBase(gate), IGateGrain;

[Reentrant]
public sealed class ReentrantGateGrain(Gate gate) : GateGrainBase(gate), IReentrantGateGrain;

public sealed class ReentrancyTests
{
    [Fact]
    public async Task Reentrant_grain_interleaves_calls_at_awaits()
    {
        var gate = new Gate();
        await using var silo = Build(gate);
        var grain = silo.GrainFactory.GetGrain<IReentrantGateGrain>("r");

        var first = grain.Enter();
        var second = grain.Enter();
        await Eventually.Until(async () => await grain.Inside() == 2, "both Enter calls are inside the reentrant grain");
        gate.Released.SetResult();
        await Task.WhenAll(first, second);

        Assert.Equal(2, await grain.MaxInside());
    }

    [Fact]
    public async Task AlwaysInterleave_method_runs_while_a_non_reentrant_turn_is_parked()
    {
        var gate = new Gate();
        await using var silo = Build(gate);
        var grain = silo.GrainFactory.GetGrain<IGateGrain>("g");

        var first = grain.Enter();
        var second = grain.Enter();

        // Inside() is [AlwaysInterleave]: it answers although Enter's turn has not finished.
        await Eventually.Until(async () => await grain.Inside() == 1, "the first Enter is inside and Inside() interleaves");
        Assert.False(first.IsCompleted);
        gate.Released.SetResult();
        await Task.WhenAll(first, second);

        // The second Enter (not interleavable) waited for the first to finish.
        Assert.Equal(1, await grain.MaxInside());
    }

    private static Silo Build(Gate gate)
    {
        var builder = new SiloBuilder()
            .AddGrain<IGateGrain, GateGrain>()
            .AddGrain<IReentrantGateGrain, ReentrantGateGrain>();
        builder.Services.AddSingleton(gate);
        return builder.Build();
    }
}
