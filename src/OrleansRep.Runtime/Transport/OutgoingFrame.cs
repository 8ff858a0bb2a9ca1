using System.Buffers;

namespace OrleansRep.Runtime.Transport;

/// <summary>A frame waiting in a <see cref="FrameSender"/>'s queue; its payload lives in a buffer rented from the shared pool.</summary>
internal readonly struct OutgoingFrame
{
    private readonly byte[]? _rented;

    private OutgoingFrame(FrameHeader header, byte[]? rented)
    {
        Header = header;
        _rented = rented;
    }

    public FrameHeader Header { get; }

    public ReadOnlySpan<byte> Payload => _rented.AsSpan(0, Header.PayloadLength);

    /// <summary>Copies <paramref name="payload"/> into a pooled buffer so the caller may reuse its memory at once.</summary>
    public static OutgoingFrame Create(FrameKind kind, long correlationId, ReadOnlySpan<byte> payload)
    {
        byte[]? rented = null;
        if (!payload.IsEmpty)
        {
            rented = ArrayPool<byte>.Shared.Rent(payload.Length);
            payload.CopyTo(rented);
        }

        return new OutgoingFrame(new FrameHeader(kind, correlationId, payload.Length), rented);
    }

    /// <summary>Returns the payload buffer to the pool; call once, after the frame was written or dropped.</summary>
    public void Release()
    {
        if (_rented is not null)
        {
            ArrayPool<byte>.Shared.Return(_rented);
        }
    }
}
