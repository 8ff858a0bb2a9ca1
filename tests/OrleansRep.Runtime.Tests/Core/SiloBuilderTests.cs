using Microsoft.Extensions.DependencyInjection;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Tests.Support;

namespace OrleansRep.Runtime.Tests.Core;

public sealed class OtherCounterGrain : Grain, ICounterGrain
{
    public Task Increment() => Task.CompletedTask;

    public Task<int> GetCount() => Task.FromResult(0);

    public Task<int> MaxConcurrentTurns() => Task.FromResult(0);
}

public sealed class SiloBuilderTests
{
    [Fact]
    public void Out_of_range_options_are_rejected_at_build()
    {
        var noMailbox = new SiloBuilder();
        noMailbox.Scheduling.MailboxCapacity = 0;
        var noAge = new SiloBuilder();
        noAge.Collection.CollectionAge = TimeSpan.Zero;

        Assert.Throws<ArgumentOutOfRangeException>(() => noMailbox.Build());
        Assert.Throws<ArgumentOutOfRangeException>(() => noAge.Build());
    }

    [Fact]
    public async Task A_builder_builds_once()
    {
        var builder = new SiloBuilder();
        await using var silo = builder.Build();

        Assert.Throws<InvalidOperationException>(() => builder.Build());
    }

    [Fact]
    public void An_interface_has_one_implementation()
    {
        var builder = new SiloBuilder().AddGrain<ICounterGrain, CounterGrain>();

        Assert.Throws<ArgumentException>(() => builder.AddGrain<ICounterGrain, OtherCounterGrain>());
    }

    [Fact]
    public async Task A_small_mailbox_applies_backpressure_without_losing_calls()
    {
        var gate = new Gate();
        var builder = new SiloBuilder().AddGrain<IGateGrain, GateGrain>();
        builder.Scheduling.MailboxCapacity = 1;
        builder.Services.AddSingleton(gate);
        await using var silo = builder.Build();
        var grain = silo.GrainFactory.GetGrain<IGateGrain>("g");

        var calls = Enumerable.Range(0, 5).Select(_ => grain.Enter()).ToArray();
        await Eventually.Until(async () => await grain.Inside() == 1, "the first Enter is parked");
        gate.Released.SetResult();
        await Task.WhenAll(calls);

        Assert.Equal(1, await grain.MaxInside());
    }
}
