using System.Buffers.Binary;
using System.Text;

namespace OrleansRep.Runtime.Remote;

/// <summary>Reads what <see cref="WireWriter"/> wrote; every read checks the bytes left and throws
/// <see cref="GrainCallFormatException"/> instead of reading past the end.</summary>
internal ref struct WireReader
{
    private ReadOnlySpan<byte> _rest;

    public WireReader(ReadOnlySpan<byte> payload) => _rest = payload;

    public readonly int Remaining => _rest.Length;

    public byte Byte() => Take(1)[0];

    public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    public Guid Guid() => new(Take(16));

    /// <summary>A string; one that <paramref name="known"/> holds comes back as that instance (no allocation).</summary>
    public string? String(WireStringTable? known = null)
    {
        int length = Int32();
        if (length == -1)
        {
            return null;
        }

        try
        {
            var utf8 = Take(CheckLength(length));
            return known is null ? Encoding.UTF8.GetString(utf8) : known.Decode(utf8);
        }
        catch (DecoderFallbackException e)
        {
            throw new GrainCallFormatException("a string is not valid UTF-8", e);
        }
    }

    public string RequiredString(string what, WireStringTable? known = null) =>
        String(known) ?? throw new GrainCallFormatException($"the {what} is missing (null string)");

    public ReadOnlySpan<byte> Bytes() => Take(CheckLength(Int32()));

    public readonly void EnsureEnd()
    {
        if (!_rest.IsEmpty)
        {
            throw new GrainCallFormatException($"{_rest.Length} unexpected bytes after the end of the message");
        }
    }

    private readonly int CheckLength(int length) =>
        length >= 0 && length <= _rest.Length
            ? length
            : throw new GrainCallFormatException($"a length of {length} is out of range ({_rest.Length} bytes left)");

    private ReadOnlySpan<byte> Take(int count)
    {
        if (_rest.Length < count)
        {
            throw new GrainCallFormatException($"the message ends early: needed {count} bytes, {_rest.Length} left");
        }

        var taken = _rest[..count];
        _rest = _rest[count..];
        return taken;
    }
}
