using OrleansRep.Runtime.Core;

namespace OrleansRep.Runtime.Tests.Core;

public interface IPingGrain : IGrainWithStringKey
{
    /// <summary>Calls <paramref name="otherKey"/>, which calls this grain back: A -> B -> A.</summary>
    Task<string> CallThrough(string otherKey);

    Task<string> CallBack(string callerKey);

    /// <summary>The call chain seen by the innermost call.</summary>
    Task<string> Echo();

    /// <summary>Calls itself <paramref name="depth"/> times: A -> A -> A.</summary>
    Task<int> Recurse(int depth);
}

/// <summary>Not reentrant: only call-chain reentrancy lets the cycles complete.</summary>
public sealed class PingGrain : Grain, IPingGrain
{
    public Task<string> CallThrough(string otherKey) => GrainFactory.GetGrain<IPingGrain>(otherKey).CallBack(GrainId.Key);

    public Task<string> CallBack(string callerKey) => GrainFactory.GetGrain<IPingGrain>(callerKey).Echo();

    public Task<string> Echo() => Task.FromResult(string.Join(",", CallChain.Current.Grains.Select(g => g.Key)));

    public async Task<int> Recurse(int depth) =>
        depth == 0 ? 0 : 1 + await GrainFactory.GetGrain<IPingGrain>(GrainId.Key).Recurse(depth - 1);
}

public sealed class CallChainTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Cycle_between_two_grains_completes_and_carries_the_chain()
    {
        await using var silo = new SiloBuilder().AddGrain<IPingGrain, PingGrain>().Build();
        var a = silo.GrainFactory.GetGrain<IPingGrain>("A");

        // A deadlock shows as a timeout here rather than a hung test run.
        Assert.Equal("A,B,A", await a.CallThrough("B").WaitAsync(Deadline));
    }

    [Fact]
    public async Task Call_to_self_completes()
    {
        await using var silo = new SiloBuilder().AddGrain<IPingGrain, PingGrain>().Build();

        Assert.Equal(5, await silo.GrainFactory.GetGrain<IPingGrain>("A").Recurse(5).WaitAsync(Deadline));
    }

    [Fact]
    public async Task A_client_call_has_an_empty_chain()
    {
        await using var silo = new SiloBuilder().AddGrain<IPingGrain, PingGrain>().Build();

        Assert.Equal("A", await silo.GrainFactory.GetGrain<IPingGrain>("A").Echo());
        Assert.Empty(CallChain.Current.Grains);
    }
}
