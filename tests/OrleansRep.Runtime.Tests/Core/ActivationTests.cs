using Microsoft.Extensions.DependencyInjection;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Tests.Support;

namespace OrleansRep.Runtime.Tests.Core;

public interface ILifecycleGrain : IGrainWithStringKey
{
    Task<int> Ping();
}

public sealed class LifecycleGrain(LifecycleProbe probe) : Grain, ILifecycleGrain
{
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Yield so that racing first calls arrive while the activation is still activating.
        await Task.Yield();
        if (probe.ShouldFailActivation())
        {
            throw new InvalidOperationException("activation refused");
        }

        probe.Activated();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Deactivations.Enqueue(reason);
        return Task.CompletedTask;
    }

    public Task<int> Ping() => Task.FromResult(probe.Activations);
}

public interface IMissingStorageGrain : IGrainWithStringKey
{
    Task Ping();
}

public sealed class MissingStorageGrain : Grain, IMissingStorageGrain
{
    public MissingStorageGrain() => GetPersistentState<CounterState>("state", "NoSuchStorage");

    public Task Ping() => Task.CompletedTask;
}

public sealed class ActivationTests
{
    [Fact]
    public async Task First_call_activates_and_a_reference_alone_does_not()
    {
        var probe = new LifecycleProbe();
        await using var silo = Build(probe);

        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("x");
        Assert.Equal(0, silo.ActivationCount);
        Assert.Equal(0, probe.Activations);

        Assert.Equal(1, await grain.Ping());
        Assert.Equal(1, await grain.Ping());
        Assert.Equal(1, silo.ActivationCount);
    }

    [Fact]
    public async Task Racing_first_calls_share_one_activation()
    {
        var probe = new LifecycleProbe();
        await using var silo = Build(probe);
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("x");

        using var start = new ManualResetEventSlim();
        var calls = Enumerable.Range(0, 64).Select(_ => Task.Run(() =>
        {
            start.Wait();
            return grain.Ping();
        })).ToArray();
        start.Set();
        var seen = await Task.WhenAll(calls);

        Assert.Equal(1, probe.Activations);
        Assert.All(seen, activations => Assert.Equal(1, activations));
        Assert.Equal(1, silo.ActivationCount);
    }

    [Fact]
    public async Task Failed_activation_fails_every_waiting_call_and_leaves_no_activation()
    {
        var probe = new LifecycleProbe { ActivationFailuresLeft = int.MaxValue };
        await using var silo = Build(probe);
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("x");

        var calls = Enumerable.Range(0, 8).Select(_ => grain.Ping()).ToArray();
        foreach (var call in calls)
        {
            var error = await Assert.ThrowsAsync<GrainActivationException>(() => call);
            Assert.IsType<InvalidOperationException>(error.InnerException);
            Assert.Equal("x", error.GrainId.Key);
        }

        await Eventually.Until(() => silo.ActivationCount == 0, "the failed activation has left the catalog");
        Assert.Equal(0, probe.Activations);
        Assert.Empty(probe.Deactivations);
    }

    [Fact]
    public async Task A_call_after_a_failed_activation_tries_again()
    {
        var probe = new LifecycleProbe { ActivationFailuresLeft = 1 };
        await using var silo = Build(probe);
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("x");

        await Assert.ThrowsAsync<GrainActivationException>(() => grain.Ping());

        Assert.Equal(1, await grain.Ping());
    }

    [Fact]
    public async Task Constructor_failure_is_an_activation_failure()
    {
        await using var silo = new SiloBuilder().AddMemoryGrainStorage().AddGrain<IMissingStorageGrain, MissingStorageGrain>().Build();

        var error = await Assert.ThrowsAsync<GrainActivationException>(() => silo.GrainFactory.GetGrain<IMissingStorageGrain>("m").Ping());

        Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.Contains("NoSuchStorage", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disposing_the_silo_deactivates_with_ShuttingDown_and_refuses_later_calls()
    {
        var probe = new LifecycleProbe();
        var silo = Build(probe);
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("x");
        await grain.Ping();

        await silo.DisposeAsync();

        Assert.Equal(DeactivationReasonCode.ShuttingDown, Assert.Single(probe.Deactivations).ReasonCode);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => grain.Ping());
    }

    [Fact]
    public void A_grain_cannot_be_constructed_with_new()
    {
        Assert.Throws<InvalidOperationException>(() => new LifecycleGrain(new LifecycleProbe()));
    }

    private static Silo Build(LifecycleProbe probe)
    {
        var builder = new SiloBuilder().AddGrain<ILifecycleGrain, LifecycleGrain>();
        builder.Services.AddSingleton(probe);
        return builder.Build();
    }
}
