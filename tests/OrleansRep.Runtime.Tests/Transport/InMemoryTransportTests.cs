using System.Net;
using System.Net.Sockets;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Tests.Support;
using OrleansRep.Runtime.Transport;
using static OrleansRep.Runtime.Tests.Transport.TransportTestKit;

namespace OrleansRep.Runtime.Tests.Transport;

public sealed class InMemoryTransportTests
{
    private static Task<TransportServer> StartAsync(InMemoryNetwork network, IFrameHandler handler, IPEndPoint? endPoint = null) =>
        TransportServer.StartAsync(
            new TransportServerOptions { ClusterSecret = Secret, Network = network, EndPoint = endPoint ?? new IPEndPoint(IPAddress.Loopback, 0) },
            handler);

    private static Task<TransportClient> ConnectAsync(InMemoryNetwork network, EndPoint endPoint, byte[]? secret = null) =>
        TransportClient.ConnectAsync(endPoint, new TransportClientOptions { ClusterSecret = secret ?? Secret, ClientId = "mem", Network = network });

    [Fact]
    public async Task Calls_through_an_in_memory_network_are_authenticated_capped_and_timed_and_end_when_the_server_stops()
    {
        var network = new InMemoryNetwork();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        TransportServer server = await StartAsync(network, new DelegateFrameHandler(async (_, payload, caller, token) =>
        {
            if (payload.Span.SequenceEqual("wait"u8))
            {
                entered.TrySetResult();
                await Task.Delay(Timeout.Infinite, token);
            }

            return System.Text.Encoding.UTF8.GetBytes(caller.ClientId);
        }));
        Assert.NotEqual(0, server.EndPoint.Port);

        // The same handshake: a wrong secret is refused.
        await Assert.ThrowsAsync<HandshakeRejectedException>(() => ConnectAsync(network, server.EndPoint, secret: new byte[32]));

        TransportClient client = await ConnectAsync(network, server.EndPoint);
        Assert.Equal("mem"u8.ToArray(), await client.CallAsync("who"u8.ToArray()));
        await Assert.ThrowsAsync<CallTimeoutException>(() => client.CallAsync("wait"u8.ToArray(), TimeSpan.FromMilliseconds(50)));

        // Stopping the server ends its connections as a socket close does, and its endpoint refuses new ones.
        entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<byte[]> pending = client.CallAsync("wait"u8.ToArray());
        await WithinDeadline(entered.Task, "the handler to start");
        await server.DisposeAsync();
        await Assert.ThrowsAsync<ConnectionClosedException>(() => pending);
        await Eventually.Until(() => client.IsClosed, "the client noticed the closed connection");
        var refused = await Assert.ThrowsAsync<SocketException>(() => ConnectAsync(network, server.EndPoint));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        await client.DisposeAsync();

        // A restarted server binds the same endpoint again.
        await using TransportServer restarted = await StartAsync(network, DelegateFrameHandler.Echo(), server.EndPoint);
        await using TransportClient again = await ConnectAsync(network, restarted.EndPoint);
        Assert.Equal(new byte[] { 7 }, await again.CallAsync(new byte[] { 7 }));
    }

    [Fact]
    public async Task A_frame_over_the_servers_cap_ends_an_in_memory_connection_and_a_client_can_close_its_own()
    {
        var network = new InMemoryNetwork();
        await using TransportServer server = await TransportServer.StartAsync(
            new TransportServerOptions { ClusterSecret = Secret, Network = network, Limits = new TransportOptions { MaxFrameSize = 4096 } },
            DelegateFrameHandler.Echo());
        await using TransportClient client = await ConnectAsync(network, server.EndPoint);

        // The client's own cap is larger: the server's frame-size check rejects the frame and drops the connection.
        await Assert.ThrowsAsync<ConnectionClosedException>(() => client.CallAsync(new byte[8192]));
        await Eventually.Until(() => server.OpenConnections == 0, "the server dropped the connection");

        TransportClient second = await ConnectAsync(network, server.EndPoint);
        await Eventually.Until(() => server.OpenConnections == 1, "the server accepted the second connection");
        await second.DisposeAsync();
        await Eventually.Until(() => server.OpenConnections == 0, "the server saw the client close");
        Assert.Throws<ArgumentException>(() => new TransportServerOptions { ClusterSecret = Secret, Network = network, Certificate = CreateCertificate("x") }.Validate());
    }

    [Fact]
    public async Task A_grain_client_calls_a_gateway_on_an_in_memory_network()
    {
        var network = new InMemoryNetwork();
        await using var silo = new SiloBuilder().AddGrain<ICounterGrainForMemory, CounterGrainForMemory>().Build();
        await using TransportServer gateway = await StartAsync(network, new GrainCallHandler(silo));
        await using var client = await GrainClient.ConnectAsync(
            gateway.EndPoint, new GrainClientOptions { ClusterSecret = Secret, Roles = ClientRoles.Read, Network = network });

        var grain = client.GetGrain<ICounterGrainForMemory>("a");
        Assert.Equal(1, await grain.Add(1));
        Assert.Equal(3, await grain.Add(2));
    }
}

public interface ICounterGrainForMemory : IGrainWithStringKey
{
    Task<int> Add(int n);
}

public sealed class CounterGrainForMemory : Grain, ICounterGrainForMemory
{
    private int _value;

    public Task<int> Add(int n) => Task.FromResult(_value += n);
}
