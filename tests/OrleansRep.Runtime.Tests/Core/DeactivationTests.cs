using Microsoft.Extensions.DependencyInjection;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Tests.Support;

namespace OrleansRep.Runtime.Tests.Core;

public interface IStatefulGrain : IGrainWithStringKey
{
    Task Add(int amount);

    Task<int> GetValue();

    Task<bool> RecordExists();

    Task Clear();

    Task Leave();

    Task StartTimer(TimeSpan period);

    Task DeclareStateLate();

    Task<int> MaxConcurrentTurns();
}

public sealed class StatefulGrain : Grain, IStatefulGrain
{
    private readonly LifecycleProbe _probe;
    private readonly IPersistentState<CounterState> _counter;
    private int _inside;
    private int _maxInside;

    public StatefulGrain(LifecycleProbe probe)
    {
        _probe = probe;
        _counter = GetPersistentState<CounterState>("counter");
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _probe.Activated();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _probe.Deactivations.Enqueue(reason);
        return Task.CompletedTask;
    }

    public async Task Add(int amount)
    {
        await InsideTurn();
        _counter.State.Value += amount;
        await _counter.WriteStateAsync();
    }

    public Task<int> MaxConcurrentTurns() => Task.FromResult(_maxInside);

    public Task<int> GetValue() => Task.FromResult(_counter.State.Value);

    public Task<bool> RecordExists() => Task.FromResult(_counter.RecordExists);

    public Task Clear() => _counter.ClearStateAsync();

    public Task Leave()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task StartTimer(TimeSpan period)
    {
        RegisterGrainTimer(
            static async (self, token) =>
            {
                token.Register(() => self._probe.TimerTokenCancelled = true);
                await self.InsideTurn();
                self._probe.Ticked();
            },
            this,
            period,
            period);
        return Task.CompletedTask;
    }

    /// <summary>Marks a turn as inside across two awaits; a second turn running meanwhile raises the maximum.</summary>
    private async Task InsideTurn()
    {
        _maxInside = Math.Max(_maxInside, ++_inside);
        await Task.Yield();
        await Task.Run(static () => { });
        _inside--;
    }

    public Task DeclareStateLate()
    {
        GetPersistentState<CounterState>("late");
        return Task.CompletedTask;
    }
}

public sealed class DeactivationTests
{
    private static readonly TimeSpan Age = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Quantum = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Idle_activation_is_deactivated_and_the_next_call_reactivates_it_with_its_stored_state()
    {
        var (silo, probe, time) = Build();
        await using var _ = silo;
        var grain = silo.GrainFactory.GetGrain<IStatefulGrain>("s");
        await grain.Add(5);

        time.Advance(Age - Quantum);
        Assert.Empty(probe.Deactivations);
        Assert.Equal(1, silo.ActivationCount);

        time.Advance(Quantum);
        await Eventually.Until(() => silo.ActivationCount == 0, "the idle activation is gone");
        Assert.Equal(DeactivationReasonCode.ActivationIdle, Assert.Single(probe.Deactivations).ReasonCode);

        Assert.Equal(5, await grain.GetValue());
        Assert.Equal(2, probe.Activations);
    }

    [Fact]
    public async Task A_call_resets_the_idle_clock()
    {
        var (silo, probe, time) = Build();
        await using var _ = silo;
        var grain = silo.GrainFactory.GetGrain<IStatefulGrain>("s");
        await grain.Add(1);

        time.Advance(Age - Quantum);
        await grain.GetValue();
        time.Advance(Age - Quantum);

        Assert.Empty(probe.Deactivations);
        Assert.Equal(1, await grain.GetValue());
        Assert.Equal(1, probe.Activations);
    }

    [Fact]
    public async Task DeactivateOnIdle_deactivates_after_the_call_and_the_next_call_reactivates()
    {
        var (silo, probe, _) = Build();
        await using var __ = silo;
        var grain = silo.GrainFactory.GetGrain<IStatefulGrain>("s");
        await grain.Add(3);

        await grain.Leave();
        await Eventually.Until(() => !probe.Deactivations.IsEmpty, "OnDeactivateAsync ran");
        Assert.Equal(DeactivationReasonCode.ApplicationRequested, Assert.Single(probe.Deactivations).ReasonCode);

        Assert.Equal(3, await grain.GetValue());
        Assert.Equal(2, probe.Activations);
    }

    [Fact]
    public async Task Timer_ticks_as_turns_and_stops_on_deactivation()
    {
        var (silo, probe, time) = Build();
        await using var _ = silo;
        var grain = silo.GrainFactory.GetGrain<IStatefulGrain>("s");
        await grain.StartTimer(TimeSpan.FromSeconds(1));

        for (var tick = 1; tick <= 3; tick++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            var calls = Enumerable.Range(0, 20).Select(_ => Task.Run(() => grain.Add(1))).ToArray();
            var expected = tick;
            await Eventually.Until(() => probe.TimerTicks == expected, $"timer tick {expected} ran");
            await Task.WhenAll(calls);
        }

        Assert.Equal(60, await grain.GetValue());
        Assert.Equal(1, await grain.MaxConcurrentTurns());

        await grain.Leave();
        await Eventually.Until(() => silo.ActivationCount == 0, "the grain deactivated");
        Assert.True(probe.TimerTokenCancelled);

        // Only the silo's periodic collector is still armed: the grain's timer was disposed.
        Assert.Equal(1, time.ArmedTimerCount);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(3, probe.TimerTicks);
    }

    [Fact]
    public async Task Timer_ticks_do_not_keep_a_grain_alive()
    {
        var (silo, probe, time) = Build();
        await using var _ = silo;
        var grain = silo.GrainFactory.GetGrain<IStatefulGrain>("s");
        await grain.StartTimer(Age / 2);

        time.Advance(Age / 2);
        await Eventually.Until(() => probe.TimerTicks == 1, "the timer ticked");
        time.Advance(Age / 2);

        await Eventually.Until(() => silo.ActivationCount == 0, "the idle grain deactivated despite its timer");
    }

    [Fact]
    public async Task Bad_timer_period_and_late_state_declaration_fail_the_call()
    {
        var (silo, _, _) = Build();
        await using var __ = silo;
        var grain = silo.GrainFactory.GetGrain<IStatefulGrain>("s");

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => grain.StartTimer(TimeSpan.FromSeconds(-2)));
        await Assert.ThrowsAsync<InvalidOperationException>(() => grain.DeclareStateLate());
        Assert.Equal(0, await grain.GetValue());
    }

    internal static (Silo Silo, LifecycleProbe Probe, ManualTimeProvider Time) Build(IGrainStorage? storage = null)
    {
        var probe = new LifecycleProbe();
        var time = new ManualTimeProvider();
        var builder = new SiloBuilder()
            .UseTimeProvider(time)
            .AddGrainStorage(SiloBuilder.DefaultGrainStorage, storage ?? new MemoryGrainStorage())
            .AddGrain<IStatefulGrain, StatefulGrain>();
        builder.Collection.CollectionAge = Age;
        builder.Collection.CollectionQuantum = Quantum;
        builder.Services.AddSingleton(probe);
        return (builder.Build(), probe, time);
    }
}
