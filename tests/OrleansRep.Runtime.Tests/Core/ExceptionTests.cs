using OrleansRep.Runtime.Core;

namespace OrleansRep.Runtime.Tests.Core;

public interface IThrowingGrain : IGrainWithStringKey
{
    Task ThrowBeforeAwait(string message);

    Task<int> ThrowAfterAwait(string message);

    ValueTask<int> ThrowFromValueTask(string message);

    Task<int> Calls();
}

public sealed class ThrowingGrain : Grain, IThrowingGrain
{
    private int _calls;

    public Task ThrowBeforeAwait(string message)
    {
        _calls++;
        throw new InvalidOperationException(message);
    }

    public async Task<int> ThrowAfterAwait(string message)
    {
        _calls++;
        await Task.Yield();
        throw new KeyNotFoundException(message);
    }

    public async ValueTask<int> ThrowFromValueTask(string message)
    {
        _calls++;
        await Task.Yield();
        throw new ArgumentException(message, nameof(message));
    }

    public Task<int> Calls() => Task.FromResult(_calls);
}

public sealed class ExceptionTests
{
    [Fact]
    public async Task Grain_exceptions_reach_the_caller_as_thrown_and_the_grain_keeps_working()
    {
        await using var silo = new SiloBuilder().AddGrain<IThrowingGrain, ThrowingGrain>().Build();
        var grain = silo.GrainFactory.GetGrain<IThrowingGrain>("t");

        var sync = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.ThrowBeforeAwait("first"));
        var async = await Assert.ThrowsAsync<KeyNotFoundException>(() => grain.ThrowAfterAwait("second"));
        var valueTask = await Assert.ThrowsAsync<ArgumentException>(async () => await grain.ThrowFromValueTask("third"));

        Assert.Equal("first", sync.Message);
        Assert.Equal("second", async.Message);
        Assert.StartsWith("third", valueTask.Message, StringComparison.Ordinal);
        Assert.Equal(3, await grain.Calls());
        Assert.Equal(1, silo.ActivationCount);
    }
}
