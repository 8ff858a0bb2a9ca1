using System.Buffers;
using System.IO.Pipelines;

namespace OrleansRep.Runtime.Transport;

/// <summary>Cuts whole frames out of a <see cref="PipeReader"/>'s buffer.</summary>
internal static class FrameReader
{
    /// <summary>
    /// Takes one complete frame from the front of <paramref name="buffer"/> and slices it off. Returns false when the
    /// buffer holds only part of a frame (the caller reads more); throws <see cref="FrameFormatException"/> as soon as
    /// the header is bad, before waiting for a payload that may never be valid.
    /// </summary>
    public static bool TryRead(
        ref ReadOnlySequence<byte> buffer, int maxPayloadLength, out FrameHeader header, out ReadOnlySequence<byte> payload)
    {
        if (buffer.Length < FrameHeader.Size)
        {
            header = default;
            payload = default;
            return false;
        }

        Span<byte> headerBytes = stackalloc byte[FrameHeader.Size];
        buffer.Slice(0, FrameHeader.Size).CopyTo(headerBytes);
        header = FrameHeader.Read(headerBytes, maxPayloadLength);
        long frameLength = FrameHeader.Size + (long)header.PayloadLength;
        if (buffer.Length < frameLength)
        {
            payload = default;
            return false;
        }

        payload = buffer.Slice(FrameHeader.Size, header.PayloadLength);
        buffer = buffer.Slice(frameLength);
        return true;
    }

    /// <summary>
    /// Reads one frame and copies its payload out; for the handshake, before the connection's read loop starts.
    /// Throws <see cref="ConnectionClosedException"/> if the stream ends first (a truncated frame included).
    /// </summary>
    public static async Task<(FrameHeader Header, byte[] Payload)> ReadOneAsync(
        PipeReader input, int maxPayloadLength, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (TryRead(ref buffer, maxPayloadLength, out FrameHeader header, out ReadOnlySequence<byte> payload))
            {
                byte[] bytes = payload.ToArray();
                input.AdvanceTo(buffer.Start);
                return (header, bytes);
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                throw new ConnectionClosedException(
                    buffer.IsEmpty ? "the connection closed during the handshake" : "the connection closed inside a frame");
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
