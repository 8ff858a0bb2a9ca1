using System.Net.Sockets;
using OrleansRep.Runtime.Hosting;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Tests.Transport;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Tests.Hosting;

public sealed class LinkFilterTests
{
    private static readonly TransportClientOptions PoolOptions = new() { ClusterSecret = TransportTestKit.Secret, Roles = ClientRoles.All };

    private static (SiloFrameDispatcher Dispatcher, List<string> Routed) Create(ILinkFilter links)
    {
        var routed = new List<string>();
        var dispatcher = new SiloFrameDispatcher(
            new DelegateFrameHandler((_, _, _, _) => { lock (routed) { routed.Add("membership"); } return ValueTask.FromResult<ReadOnlyMemory<byte>>(new byte[] { 1 }); }),
            new DelegateFrameHandler((_, _, _, _) => { lock (routed) { routed.Add("grains"); } return ValueTask.FromResult<ReadOnlyMemory<byte>>(new byte[] { 2 }); }),
            links);
        return (dispatcher, routed);
    }

    [Fact]
    public async Task A_request_from_a_cut_off_caller_reaches_no_handler_and_is_never_answered_until_the_caller_gives_up()
    {
        var links = new ScriptedLinkFilter();
        links.CutCallers["silo1"] = true;
        var (dispatcher, routed) = Create(links);
        var join = MembershipCodec.Encode(MembershipMessage.Join(new SiloAddress("127.0.0.1", 1000, 1)));
        using var callerGivesUp = new CancellationTokenSource();

        var lost = dispatcher.HandleAsync(FrameKind.Request, join, new CallerIdentity("silo1", ClientRoles.All, "c1"), callerGivesUp.Token).AsTask();
        var lostOneWay = await dispatcher.HandleAsync(FrameKind.OneWay, GrainCallCodec.EncodeManifestRequest(), new CallerIdentity("silo1", ClientRoles.All, "c1"), default);
        var delivered = await dispatcher.HandleAsync(FrameKind.Request, join, new CallerIdentity("silo2", ClientRoles.All, "c2"), default);

        Assert.False(lost.IsCompleted);
        Assert.True(lostOneWay.IsEmpty);
        Assert.Equal([1], delivered.ToArray());
        Assert.Equal(["membership"], routed);

        // As for a call the network lost: the caller's timeout or cancel ends it, and no answer (not even an error) exists.
        await callerGivesUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => lost);
        Assert.Equal(["membership"], routed);
    }

    [Fact]
    public async Task Over_a_real_connection_a_lost_call_looks_like_a_network_drop_not_a_protocol_error()
    {
        var links = new ScriptedLinkFilter();
        links.CutCallers["silo1"] = true;
        var (dispatcher, routed) = Create(links);
        await using var server = await TransportTestKit.StartServerAsync(dispatcher);
        await using var cutOff = await TransportTestKit.ConnectAsync(server, clientId: "silo1", roles: ClientRoles.All);
        await using var other = await TransportTestKit.ConnectAsync(server, clientId: "silo2", roles: ClientRoles.All);
        using var giveUp = new CancellationTokenSource();

        var lost = cutOff.CallAsync(GrainCallCodec.EncodeManifestRequest(), Timeout.InfiniteTimeSpan, giveUp.Token);
        await TransportTestKit.WithinDeadline(links.RefusedCaller, "the endpoint refused the cut-off caller's request");
        Assert.Equal([2], await other.CallAsync(GrainCallCodec.EncodeManifestRequest()));
        Assert.False(lost.IsCompleted);

        await giveUp.CancelAsync();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => lost);
        Assert.IsAssignableFrom<OperationCanceledException>(error);
        Assert.False(cutOff.IsClosed);
        Assert.Equal(["grains"], routed);
    }

    [Fact]
    public async Task The_pool_reports_a_silo_behind_a_cut_link_unreachable_and_reaches_it_again_once_restored()
    {
        await using var server = await TransportTestKit.StartServerAsync(DelegateFrameHandler.Echo());
        var silo = SiloAddress.From(server.EndPoint, 1);
        var links = new ScriptedLinkFilter();
        await using var pool = new SiloConnectionPool(PoolOptions, maxConnections: 4, links: links);
        var before = await pool.GetAsync(silo);

        links.CutPorts[silo.Port] = true;
        var unreachable = await Assert.ThrowsAsync<SocketException>(() => pool.GetAsync(silo));
        Assert.Equal(SocketError.HostUnreachable, unreachable.SocketErrorCode);

        links.CutPorts.TryRemove(silo.Port, out _);
        Assert.Same(before, await pool.GetAsync(silo));
    }
}
