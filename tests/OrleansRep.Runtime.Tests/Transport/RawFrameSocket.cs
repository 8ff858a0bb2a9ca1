using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Tests.Transport;

/// <summary>A bare socket that speaks (or breaks) the frame protocol byte by byte, to attack a server.</summary>
internal sealed class RawFrameSocket : IDisposable
{
    private readonly Socket _socket = new(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };

    public static async Task<RawFrameSocket> ConnectAsync(IPEndPoint endPoint)
    {
        var raw = new RawFrameSocket();
        await raw._socket.ConnectAsync(endPoint);
        return raw;
    }

    /// <summary>Reads the server's first frame and returns its nonce.</summary>
    public async Task<byte[]> ReadChallengeAsync()
    {
        byte[] frame = await ReadExactlyAsync(FrameHeader.Size + HandshakeProtocol.NonceLength);
        FrameHeader header = FrameHeader.Read(frame, 1024);
        Assert.Equal(FrameKind.HandshakeChallenge, header.Kind);
        return frame[FrameHeader.Size..];
    }

    /// <summary>Completes a valid handshake with the test secret.</summary>
    public async Task AuthenticateAsync()
    {
        byte[] nonce = await ReadChallengeAsync();
        await SendFrameAsync(FrameKind.HandshakeResponse, 0, HandshakeProtocol.CreateResponse(TransportTestKit.Secret, nonce, "raw", ClientRoles.Read));
        FrameHeader accepted = FrameHeader.Read(await ReadExactlyAsync(FrameHeader.Size), 1024);
        Assert.Equal(FrameKind.HandshakeAccepted, accepted.Kind);
    }

    public Task SendFrameAsync(FrameKind kind, long correlationId, byte[] payload)
    {
        byte[] frame = new byte[FrameHeader.Size + payload.Length];
        new FrameHeader(kind, correlationId, payload.Length).Write(frame);
        payload.CopyTo(frame, FrameHeader.Size);
        return SendAsync(frame);
    }

    /// <summary>A header with every field chosen by the test, valid or not.</summary>
    public static byte[] Header(byte version, byte kind, byte flags, int payloadLength, long correlationId)
    {
        byte[] header = new byte[FrameHeader.Size];
        header[0] = version;
        header[1] = kind;
        header[2] = flags;
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), payloadLength);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(8), correlationId);
        return header;
    }

    public async Task SendAsync(byte[] bytes) => await _socket.SendAsync(bytes, SocketFlags.None);

    /// <summary>Half-closes our side: the server sees the end of the stream.</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>True once the server has closed the connection (end of stream or reset), reading and discarding anything else.</summary>
    public async Task<bool> ServerClosedAsync()
    {
        using var deadline = new CancellationTokenSource(TransportTestKit.Deadline);
        byte[] sink = new byte[4096];
        try
        {
            while (true)
            {
                if (await _socket.ReceiveAsync(sink, SocketFlags.None, deadline.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count)
    {
        byte[] buffer = new byte[count];
        int read = 0;
        using var deadline = new CancellationTokenSource(TransportTestKit.Deadline);
        while (read < count)
        {
            int n = await _socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, deadline.Token);
            Assert.True(n > 0, $"the server closed the connection after {read} of {count} expected bytes");
            read += n;
        }

        return buffer;
    }

    public void Dispose() => _socket.Dispose();
}
