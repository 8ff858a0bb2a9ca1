using OrleansRep.Runtime.Tests.Support;
using OrleansRep.Runtime.Tests.Transport;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Tests.Remote;

public sealed class RemoteCancellationTests
{
    [Fact]
    public async Task A_method_response_timeout_fails_the_call_and_cancels_the_grain_token()
    {
        await using var host = await RemoteTestHost.StartAsync();
        var clock = new ManualTimeProvider();
        var client = await host.ConnectAsync(time: clock);
        var call = client.GetGrain<IRemoteTestGrain>("slow").Hang(CancellationToken.None);
        await TransportTestKit.WithinDeadline(host.Probe.Started.Task, "the grain to start the hanging call");
        await Eventually.Until(() => clock.ArmedTimerCount == 1, "the client to arm the call's timeout");

        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.False(call.IsCompleted, "the call ended before its 5 s timeout");
        clock.Advance(TimeSpan.FromSeconds(1));

        await Eventually.Until(() => call.IsCompleted, "the call to time out");
        var thrown = await Assert.ThrowsAsync<CallTimeoutException>(() => call);
        Assert.Equal(TimeSpan.FromSeconds(5), thrown.Timeout);
        await TransportTestKit.WithinDeadline(host.Probe.Cancelled.Task, "the grain's token to be cancelled by the cancel frame");
        Assert.Equal(1, await client.GetGrain<IRemoteTestGrain>("slow").Increment());
    }

    [Fact]
    public async Task Cancelling_the_callers_token_cancels_the_call_and_the_grain_sees_it()
    {
        await using var host = await RemoteTestHost.StartAsync();
        var client = await host.ConnectAsync();
        using var cancellation = new CancellationTokenSource();
        var call = client.GetGrain<IRemoteTestGrain>("waiting").WaitForCancellation(cancellation.Token);
        await TransportTestKit.WithinDeadline(host.Probe.Started.Task, "the grain to start waiting");

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TransportTestKit.WithinDeadline(call, "the call to be cancelled"));
        await TransportTestKit.WithinDeadline(host.Probe.Cancelled.Task, "the grain's token to be cancelled");
        // The turn ended: the activation takes the next call.
        Assert.Equal(1, await client.GetGrain<IRemoteTestGrain>("waiting").Increment());
    }

    [Fact]
    public async Task A_token_cancelled_before_the_call_fails_it_without_reaching_the_grain()
    {
        await using var host = await RemoteTestHost.StartAsync();
        var client = await host.ConnectAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => client.GetGrain<IRemoteTestGrain>("early").WaitForCancellation(new CancellationToken(canceled: true)));

        Assert.False(host.Probe.Started.Task.IsCompleted);
    }
}
