using Microsoft.Extensions.Logging;
using OrleansRep.Runtime.Tests.Support;
using OrleansRep.Runtime.Transport;
using static OrleansRep.Runtime.Tests.Transport.TransportTestKit;

namespace OrleansRep.Runtime.Tests.Transport;

/// <summary>Every kind of bad input closes only the connection that sent it; the server keeps serving the others.</summary>
public sealed class MalformedFrameTests
{
    public static TheoryData<string, byte[]> BadFrames => new()
    {
        { "bad version", RawFrameSocket.Header(9, (byte)FrameKind.Request, 0, 0, 1) },
        { "unknown kind", RawFrameSocket.Header(1, 200, 0, 0, 1) },
        { "unknown flags", RawFrameSocket.Header(1, (byte)FrameKind.Request, 0x80, 0, 1) },
        { "over the cap", RawFrameSocket.Header(1, (byte)FrameKind.Request, 0, 64 * 1024 * 1024, 1) },
        { "negative length", RawFrameSocket.Header(1, (byte)FrameKind.Request, 0, -5, 1) },
        { "garbage", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray() },
        { "server-only kind", RawFrameSocket.Header(1, (byte)FrameKind.Response, 0, 0, 1) },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task An_authenticated_connection_sending_a_bad_frame_is_closed_and_others_keep_working(string what, byte[] frame)
    {
        using var logs = new CollectingLoggerProvider();
        await using TransportServer server = await StartServerAsync(DelegateFrameHandler.Echo(), logs);
        await using TransportClient bystander = await ConnectAsync(server);
        using RawFrameSocket attacker = await RawFrameSocket.ConnectAsync(server.EndPoint);
        await attacker.AuthenticateAsync();

        await attacker.SendAsync(frame);

        Assert.True(await attacker.ServerClosedAsync(), $"the server kept a connection that sent a frame with {what}");
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("closed:", StringComparison.Ordinal));
        Assert.Equal("still here"u8.ToArray(), await bystander.CallAsync("still here"u8.ToArray()));
        await using TransportClient newcomer = await ConnectAsync(server);
        Assert.Equal("new"u8.ToArray(), await newcomer.CallAsync("new"u8.ToArray()));
    }

    [Fact]
    public async Task Garbage_instead_of_a_handshake_closes_the_connection()
    {
        await using TransportServer server = await StartServerAsync(DelegateFrameHandler.Echo());
        using RawFrameSocket attacker = await RawFrameSocket.ConnectAsync(server.EndPoint);

        await attacker.SendAsync(new byte[] { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 });

        Assert.True(await attacker.ServerClosedAsync(), "the server kept a connection that sent garbage");
        await using TransportClient client = await ConnectAsync(server);
        Assert.Equal("ok"u8.ToArray(), await client.CallAsync("ok"u8.ToArray()));
    }

    [Fact]
    public async Task A_frame_truncated_by_the_end_of_the_stream_is_logged_and_never_handled()
    {
        using var logs = new CollectingLoggerProvider();
        int handled = 0;
        await using TransportServer server = await StartServerAsync(
            new DelegateFrameHandler((_, p, _, _) => { Interlocked.Increment(ref handled); return ValueTask.FromResult(p); }), logs);
        using RawFrameSocket attacker = await RawFrameSocket.ConnectAsync(server.EndPoint);
        await attacker.AuthenticateAsync();

        // A header promising 100 bytes, then only 10 of them, then the end of the stream.
        await attacker.SendAsync([.. RawFrameSocket.Header(1, (byte)FrameKind.Request, 0, 100, 1), .. new byte[10]]);
        attacker.ShutdownSend();

        Assert.True(await attacker.ServerClosedAsync(), "the server kept a connection that ended inside a frame");
        await Eventually.Until(
            () => logs.Entries.Any(e => e.Message.Contains("ended inside a frame", StringComparison.Ordinal)),
            "the truncated frame was logged");
        Assert.Equal(0, handled);
        await Eventually.Until(() => server.OpenConnections == 0, "the server released the connection");
    }
}
