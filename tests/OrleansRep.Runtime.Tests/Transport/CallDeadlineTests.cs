using System.Collections.Concurrent;
using OrleansRep.Runtime.Tests.Support;
using OrleansRep.Runtime.Transport;
using static OrleansRep.Runtime.Tests.Transport.TransportTestKit;

namespace OrleansRep.Runtime.Tests.Transport;

/// <summary>
/// The client's shared deadline timer and its cheap cancellation path: one timer for all pending calls, each call
/// still timing out at exactly its own deadline, slots and registrations given back however a call ends.
/// </summary>
public sealed class CallDeadlineTests
{
    [Fact]
    public async Task Many_pending_calls_share_one_timer_and_each_times_out_at_its_own_deadline()
    {
        var handler = new HangingHandler();
        await using TransportServer server = await StartServerAsync(handler);
        var clock = new ManualTimeProvider();
        await using TransportClient client = await ConnectAsync(server, time: clock);

        // Issued longest first, so each later call must pull the shared timer earlier.
        Task<byte[]> slow = client.CallAsync("slow"u8.ToArray(), TimeSpan.FromSeconds(10));
        await handler.WaitEnteredAsync("slow");
        Task<byte[]> fast = client.CallAsync("fast"u8.ToArray(), TimeSpan.FromSeconds(3));
        await handler.WaitEnteredAsync("fast");
        Task<byte[]>[] middle = Enumerable.Range(0, 20)
            .Select(i => client.CallAsync(System.Text.Encoding.UTF8.GetBytes("middle" + i), TimeSpan.FromSeconds(6)))
            .ToArray();
        for (int i = 0; i < middle.Length; i++)
        {
            await handler.WaitEnteredAsync("middle" + i);
        }

        Assert.Equal(1, clock.ArmedTimerCount);

        clock.Advance(TimeSpan.FromSeconds(3) - TimeSpan.FromTicks(1));
        Assert.False(fast.IsCompleted, "the 3 s call ended early");
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(TimeSpan.FromSeconds(3), (await Assert.ThrowsAsync<CallTimeoutException>(() => fast)).Timeout);
        await handler.WaitCancelledAsync("fast");
        Assert.All(middle, call => Assert.False(call.IsCompleted, "a 6 s call ended at 3 s"));
        Assert.False(slow.IsCompleted, "the 10 s call ended at 3 s");
        Assert.Equal(1, clock.ArmedTimerCount);

        clock.Advance(TimeSpan.FromSeconds(3));
        foreach (Task<byte[]> call in middle)
        {
            Assert.Equal(TimeSpan.FromSeconds(6), (await Assert.ThrowsAsync<CallTimeoutException>(() => call)).Timeout);
        }

        Assert.False(slow.IsCompleted, "the 10 s call ended at 6 s");
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(TimeSpan.FromSeconds(10), (await Assert.ThrowsAsync<CallTimeoutException>(() => slow)).Timeout);
        await handler.WaitCancelledAsync("slow");
        Assert.Equal(0, clock.ArmedTimerCount);
    }

    [Fact]
    public async Task A_call_answered_in_time_does_not_time_out_later_and_leaves_no_timer_armed()
    {
        await using TransportServer server = await StartServerAsync(DelegateFrameHandler.Echo());
        var clock = new ManualTimeProvider();
        await using TransportClient client = await ConnectAsync(server, time: clock);

        Assert.Equal("a"u8.ToArray(), await client.CallAsync("a"u8.ToArray(), TimeSpan.FromSeconds(5)));
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(0, clock.ArmedTimerCount);
        Assert.Equal("b"u8.ToArray(), await client.CallAsync("b"u8.ToArray(), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task An_infinite_timeout_arms_no_timer()
    {
        var handler = new HangingHandler();
        await using TransportServer server = await StartServerAsync(handler);
        var clock = new ManualTimeProvider();
        await using TransportClient client = await ConnectAsync(server, time: clock);
        using var cancellation = new CancellationTokenSource();

        Task<byte[]> call = client.CallAsync("forever"u8.ToArray(), Timeout.InfiniteTimeSpan, cancellation.Token);
        await handler.WaitEnteredAsync("forever");
        Assert.Equal(0, clock.ArmedTimerCount);
        clock.Advance(TimeSpan.FromDays(365));
        Assert.False(call.IsCompleted, "a call without a timeout ended");

        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await handler.WaitCancelledAsync("forever");
    }

    [Fact]
    public async Task A_token_cancelled_before_the_call_fails_it_without_sending_anything()
    {
        var handler = new HangingHandler();
        await using TransportServer server = await StartServerAsync(handler);
        await using TransportClient client = await ConnectAsync(server);

        Task<byte[]> call = client.CallAsync("never"u8.ToArray(), cancellationToken: new CancellationToken(canceled: true));

        Assert.True(call.IsCanceled);
        Assert.Equal(new byte[] { 1 }, await client.CallAsync(new byte[] { 1 }));
        Assert.False(handler.Entered("never"), "a call cancelled before it started reached the server");
    }

    [Fact]
    public async Task Timed_out_and_cancelled_calls_give_their_slot_back()
    {
        var handler = new HangingHandler();
        await using TransportServer server = await StartServerAsync(handler);
        var clock = new ManualTimeProvider();
        await using TransportClient client = await TransportClient.ConnectAsync(
            server.EndPoint,
            new TransportClientOptions { ClusterSecret = Secret, Limits = new TransportOptions { MaxConcurrentCalls = 1 } },
            clock);

        Task<byte[]> timesOut = client.CallAsync("first"u8.ToArray(), TimeSpan.FromSeconds(1));
        await handler.WaitEnteredAsync("first");
        using var cancellation = new CancellationTokenSource();
        Task<byte[]> queued = client.CallAsync("second"u8.ToArray(), TimeSpan.FromSeconds(60), cancellation.Token);
        Assert.False(handler.Entered("second"), "the second call ran while the only slot was taken");

        clock.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<CallTimeoutException>(() => timesOut);
        await handler.WaitEnteredAsync("second");
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);

        Assert.Equal(new byte[] { 7 }, await WithinDeadline(client.CallAsync(new byte[] { 7 }), "a call after the slot came back"));
    }

    [Fact]
    public async Task Closing_the_client_cancels_the_servers_handlers_of_requests_and_one_way_messages()
    {
        var handler = new HangingHandler();
        await using TransportServer server = await StartServerAsync(handler);
        TransportClient client = await ConnectAsync(server);

        Task<byte[]> call = client.CallAsync("request"u8.ToArray());
        await client.SendOneWayAsync("one-way"u8.ToArray());
        await handler.WaitEnteredAsync("request");
        await handler.WaitEnteredAsync("one-way");
        await client.DisposeAsync();

        await Assert.ThrowsAsync<ConnectionClosedException>(() => call);
        await handler.WaitCancelledAsync("request");
        await handler.WaitCancelledAsync("one-way");
    }

    /// <summary>Echoes payloads starting with a digit at once; parks every other one until its token fires, and records both events by payload.</summary>
    private sealed class HangingHandler : IFrameHandler
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _entered = new();
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _cancelled = new();

        public bool Entered(string name) => Signal(_entered, name).Task.IsCompleted;

        public Task WaitEnteredAsync(string name) => WithinDeadline(Signal(_entered, name).Task, $"the handler to start '{name}'");

        public Task WaitCancelledAsync(string name) => WithinDeadline(Signal(_cancelled, name).Task, $"the handler's token for '{name}' to fire");

        public async ValueTask<ReadOnlyMemory<byte>> HandleAsync(FrameKind kind, ReadOnlyMemory<byte> payload, CallerIdentity caller, CancellationToken cancellationToken)
        {
            if (char.IsAsciiDigit((char)payload.Span[0]) || payload.Span[0] < 32)
            {
                return payload.ToArray();
            }

            string name = System.Text.Encoding.UTF8.GetString(payload.Span);
            using CancellationTokenRegistration registration = cancellationToken.Register(() => Signal(_cancelled, name).TrySetResult());
            Signal(_entered, name).TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return ReadOnlyMemory<byte>.Empty;
        }

        private static TaskCompletionSource Signal(ConcurrentDictionary<string, TaskCompletionSource> signals, string name) =>
            signals.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }
}
