using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace OrleansRep.Runtime.Transport;

/// <summary>
/// The fixed 16-byte header in front of every frame. The explicit layout mirrors the wire layout (little-endian):
/// <c>[0] version, [1] kind, [2] flags, [3] reserved (0), [4..8) payload length, [8..16) correlation id</c>.
/// The payload follows the header directly.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
public readonly struct FrameHeader : IEquatable<FrameHeader>
{
    /// <summary>Bytes in a header on the wire.</summary>
    public const int Size = 16;

    /// <summary>The only version this code speaks; any other closes the connection.</summary>
    public const byte CurrentVersion = 1;

    [FieldOffset(0)] private readonly byte _version;
    [FieldOffset(1)] private readonly FrameKind _kind;
    [FieldOffset(2)] private readonly byte _flags;
    [FieldOffset(3)] private readonly byte _reserved;
    [FieldOffset(4)] private readonly int _payloadLength;
    [FieldOffset(8)] private readonly long _correlationId;

    /// <summary>Creates a current-version header with no flags.</summary>
    public FrameHeader(FrameKind kind, long correlationId, int payloadLength)
        : this(CurrentVersion, kind, 0, 0, payloadLength, correlationId)
    {
    }

    private FrameHeader(byte version, FrameKind kind, byte flags, byte reserved, int payloadLength, long correlationId)
    {
        _version = version;
        _kind = kind;
        _flags = flags;
        _reserved = reserved;
        _payloadLength = payloadLength;
        _correlationId = correlationId;
    }

    /// <summary>The protocol version byte.</summary>
    public byte Version => _version;

    /// <summary>What the frame carries.</summary>
    public FrameKind Kind => _kind;

    /// <summary>Reserved for extensions (e.g. a checksum); version 1 requires 0.</summary>
    public byte Flags => _flags;

    /// <summary>Bytes of payload after the header.</summary>
    public int PayloadLength => _payloadLength;

    /// <summary>Pairs a response, error or cancel with its request; 0 for frames outside a call.</summary>
    public long CorrelationId => _correlationId;

    /// <summary>Writes the header to the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination)
    {
        destination[0] = _version;
        destination[1] = (byte)_kind;
        destination[2] = _flags;
        destination[3] = _reserved;
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], _payloadLength);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], _correlationId);
    }

    /// <summary>Reads and validates a header; a header this code cannot accept throws <see cref="FrameFormatException"/>.</summary>
    public static FrameHeader Read(ReadOnlySpan<byte> source, int maxPayloadLength)
    {
        var header = new FrameHeader(
            source[0],
            (FrameKind)source[1],
            source[2],
            source[3],
            BinaryPrimitives.ReadInt32LittleEndian(source[4..]),
            BinaryPrimitives.ReadInt64LittleEndian(source[8..]));
        if (header._version != CurrentVersion)
        {
            throw new FrameFormatException($"unsupported frame version {header._version} (expected {CurrentVersion})");
        }

        if (header._kind is < FrameKind.HandshakeChallenge or > FrameKind.Error)
        {
            throw new FrameFormatException($"unknown frame kind {(byte)header._kind}");
        }

        if (header._flags != 0 || header._reserved != 0)
        {
            throw new FrameFormatException($"unknown frame flags 0x{header._flags:x2}/0x{header._reserved:x2}");
        }

        if (header._payloadLength < 0 || header._payloadLength > maxPayloadLength)
        {
            throw new FrameFormatException($"payload length {header._payloadLength} is outside 0..{maxPayloadLength}");
        }

        return header;
    }

    /// <inheritdoc/>
    public bool Equals(FrameHeader other) =>
        _version == other._version && _kind == other._kind && _flags == other._flags && _reserved == other._reserved
        && _payloadLength == other._payloadLength && _correlationId == other._correlationId;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is FrameHeader other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_version, _kind, _payloadLength, _correlationId);

    /// <summary>Value equality.</summary>
    public static bool operator ==(FrameHeader left, FrameHeader right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(FrameHeader left, FrameHeader right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => $"{_kind} v{_version} #{_correlationId} ({_payloadLength} bytes)";
}
