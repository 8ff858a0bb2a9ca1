using System.Buffers.Binary;
using OrleansRep.Runtime.Tests.Support;
using OrleansRep.Runtime.Transport;
using static OrleansRep.Runtime.Tests.Transport.TransportTestKit;

namespace OrleansRep.Runtime.Tests.Transport;

public sealed class TransportCallTests
{
    [Fact]
    public async Task A_request_gets_its_response()
    {
        await using TransportServer server = await StartServerAsync(new DelegateFrameHandler(
            (_, payload, _, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(payload.ToArray().Reverse().ToArray())));
        await using TransportClient client = await ConnectAsync(server);

        byte[] response = await client.CallAsync("ping"u8.ToArray());

        Assert.Equal("gnip"u8.ToArray(), response);
    }

    [Fact]
    public async Task Many_concurrent_calls_on_one_connection_each_get_their_own_response()
    {
        // The handler answers out of order (later requests may overtake earlier ones) with value * 3.
        await using TransportServer server = await StartServerAsync(new DelegateFrameHandler(async (_, payload, _, _) =>
        {
            int value = BinaryPrimitives.ReadInt32LittleEndian(payload.Span);
            if (value % 3 == 0)
            {
                await Task.Yield();
            }

            byte[] answer = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(answer, value * 3);
            return answer;
        }));
        await using TransportClient client = await ConnectAsync(server);

        Task[] callers = Enumerable.Range(0, 64).Select(caller => Task.Run(async () =>
        {
            for (int i = 0; i < 100; i++)
            {
                int value = (caller * 1000) + i;
                byte[] request = new byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(request, value);
                byte[] response = await client.CallAsync(request);
                Assert.Equal(value * 3, BinaryPrimitives.ReadInt32LittleEndian(response));
            }
        })).ToArray();

        await WithinDeadline(Task.WhenAll(callers), "6400 calls");
    }

    [Fact]
    public async Task A_payload_of_several_mebibytes_round_trips_intact()
    {
        await using TransportServer server = await StartServerAsync(DelegateFrameHandler.Echo());
        await using TransportClient client = await ConnectAsync(server);
        byte[] large = new byte[6 * 1024 * 1024 + 17];
        new Random(4).NextBytes(large);

        byte[] response = await client.CallAsync(large);

        Assert.Equal(large, response);
    }

    [Fact]
    public async Task A_handler_exception_reaches_the_caller_typed_and_the_connection_stays_usable()
    {
        await using TransportServer server = await StartServerAsync(new DelegateFrameHandler((_, payload, _, _) =>
            payload.Span[0] == 0
                ? throw new InvalidOperationException("no such key")
                : ValueTask.FromResult<ReadOnlyMemory<byte>>(payload.ToArray())));
        await using TransportClient client = await ConnectAsync(server);

        var error = await Assert.ThrowsAsync<RemoteCallException>(() => client.CallAsync(new byte[] { 0 }));

        Assert.Equal(typeof(InvalidOperationException).FullName, error.RemoteTypeName);
        Assert.Equal("no such key", error.Message);
        Assert.Equal(new byte[] { 1 }, await client.CallAsync(new byte[] { 1 }));
    }

    [Fact]
    public async Task A_call_past_its_timeout_raises_CallTimeoutException_and_cancels_the_handler()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handlerCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TransportServer server = await StartServerAsync(new DelegateFrameHandler(async (_, _, _, token) =>
        {
            using CancellationTokenRegistration registration = token.Register(() => handlerCancelled.TrySetResult());
            entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, token);
            return ReadOnlyMemory<byte>.Empty;
        }));
        var clock = new ManualTimeProvider();
        await using TransportClient client = await ConnectAsync(server, time: clock);

        Task<byte[]> call = client.CallAsync("slow"u8.ToArray(), TimeSpan.FromSeconds(5));
        await WithinDeadline(entered.Task, "the handler to start");
        await Eventually.Until(() => clock.ArmedTimerCount > 0, "the call's timeout timer is scheduled");
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.False(call.IsCompleted, "the call completed before its timeout");
        clock.Advance(TimeSpan.FromSeconds(1));

        var timeout = await Assert.ThrowsAsync<CallTimeoutException>(() => call);
        Assert.Equal(TimeSpan.FromSeconds(5), timeout.Timeout);
        await WithinDeadline(handlerCancelled.Task, "the cancel frame to reach the handler");
    }

    [Fact]
    public async Task Cancelling_a_call_reaches_the_server_handlers_token()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handlerCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TransportServer server = await StartServerAsync(new DelegateFrameHandler(async (_, _, _, token) =>
        {
            using CancellationTokenRegistration registration = token.Register(() => handlerCancelled.TrySetResult());
            entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, token);
            return ReadOnlyMemory<byte>.Empty;
        }));
        await using TransportClient client = await ConnectAsync(server);
        using var cancellation = new CancellationTokenSource();

        Task<byte[]> call = client.CallAsync("wait"u8.ToArray(), cancellationToken: cancellation.Token);
        await WithinDeadline(entered.Task, "the handler to start");
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await WithinDeadline(handlerCancelled.Task, "the cancel frame to reach the handler");
    }

    [Fact]
    public async Task One_way_messages_are_delivered_in_order_without_a_response()
    {
        var received = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using TransportServer server = await StartServerAsync(new DelegateFrameHandler((kind, payload, _, _) =>
        {
            Assert.Equal(FrameKind.OneWay, kind);
            received.Enqueue(System.Text.Encoding.UTF8.GetString(payload.Span));
            return ValueTask.FromResult(ReadOnlyMemory<byte>.Empty);
        }));
        await using TransportClient client = await ConnectAsync(server);

        for (int i = 0; i < 10; i++)
        {
            await client.SendOneWayAsync(System.Text.Encoding.UTF8.GetBytes($"m{i}"));
        }

        await Eventually.Until(() => received.Count == 10, "10 one-way messages arrived");
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"m{i}"), received);
    }

    [Fact]
    public async Task The_handler_sees_the_callers_id_and_roles_on_every_call()
    {
        await using TransportServer server = await StartServerAsync(new DelegateFrameHandler((_, _, caller, _) =>
            caller.HasRoles(ClientRoles.Write)
                ? ValueTask.FromResult<ReadOnlyMemory<byte>>(System.Text.Encoding.UTF8.GetBytes($"{caller.ClientId}:{caller.Roles}"))
                : throw new UnauthorizedAccessException($"{caller.ClientId} may not write")));
        await using TransportClient writer = await ConnectAsync(server, "writer", ClientRoles.Read | ClientRoles.Write);
        await using TransportClient reader = await ConnectAsync(server, "reader", ClientRoles.Read);

        Assert.Equal("writer:Read, Write"u8.ToArray(), await writer.CallAsync("put"u8.ToArray()));
        var refused = await Assert.ThrowsAsync<RemoteCallException>(() => reader.CallAsync("put"u8.ToArray()));
        Assert.Equal(typeof(UnauthorizedAccessException).FullName, refused.RemoteTypeName);
        Assert.Equal("reader may not write", refused.Message);
    }

    [Fact]
    public async Task Calls_fail_with_ConnectionClosedException_once_the_server_is_gone()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        TransportServer server = await StartServerAsync(new DelegateFrameHandler(async (_, _, _, token) =>
        {
            entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, token);
            return ReadOnlyMemory<byte>.Empty;
        }));
        await using TransportClient client = await ConnectAsync(server);

        Task<byte[]> pending = client.CallAsync("x"u8.ToArray());
        await WithinDeadline(entered.Task, "the handler to start");
        await server.DisposeAsync();

        await Assert.ThrowsAsync<ConnectionClosedException>(() => pending);
        await Eventually.Until(() => client.IsClosed, "the client noticed the closed connection");
        await Assert.ThrowsAsync<ConnectionClosedException>(() => client.CallAsync("y"u8.ToArray()));
    }

    [Fact]
    public async Task Bad_call_arguments_are_rejected_before_anything_is_sent()
    {
        await using TransportServer server = await StartServerAsync(DelegateFrameHandler.Echo(), limits: new TransportOptions { MaxFrameSize = 4096 });
        await using TransportClient client = await TransportClient.ConnectAsync(
            server.EndPoint, new TransportClientOptions { ClusterSecret = Secret, Limits = new TransportOptions { MaxFrameSize = 4096 } });

        await Assert.ThrowsAsync<ArgumentException>(() => client.CallAsync(new byte[4097]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.CallAsync(new byte[1], TimeSpan.Zero));
        Assert.Equal(new byte[] { 9 }, await client.CallAsync(new byte[] { 9 }));
    }
}
