using System.Buffers.Binary;

namespace OrleansRep.Grains.Interfaces;

/// <summary>
/// Batches and scan pages as compact bytes (the call codec would otherwise use JSON): big-endian int32 lengths.
/// Batch: count, then per operation kind (1 put, 2 delete), key, value (puts only). Page: count, pairs, then a flag
/// and the continuation key. Decoding checks every length: bad input is a <see cref="FormatException"/>.
/// </summary>
public static class KeyValueCodec
{
    private const byte PutKind = 1;
    private const byte DeleteKind = 2;

    public static byte[] EncodeBatch(IReadOnlyCollection<BatchOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var size = 4 + operations.Sum(o => 1 + 4 + o.Key.Length + (o.Value is null ? 0 : 4 + o.Value.Length));
        var bytes = new byte[size];
        var at = WriteInt(bytes, 0, operations.Count);
        foreach (var o in operations)
        {
            bytes[at++] = o.Value is null ? DeleteKind : PutKind;
            at = WriteBytes(bytes, at, o.Key);
            if (o.Value is not null)
            {
                at = WriteBytes(bytes, at, o.Value);
            }
        }

        return bytes;
    }

    public static IReadOnlyList<BatchOperation> DecodeBatch(ReadOnlySpan<byte> bytes)
    {
        var at = 0;
        var count = ReadCount(bytes, ref at, 2);
        var operations = new List<BatchOperation>(count);
        for (var i = 0; i < count; i++)
        {
            var kind = ReadByte(bytes, ref at);
            var key = ReadBytes(bytes, ref at);
            operations.Add(kind switch
            {
                PutKind => new BatchOperation(key, ReadBytes(bytes, ref at)),
                DeleteKind => new BatchOperation(key, null),
                _ => throw new FormatException($"batch operation {i} has unknown kind {kind}"),
            });
        }

        CheckEnd(bytes, at);
        return operations;
    }

    public static byte[] EncodePage(ScanPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        var size = 4 + page.Items.Sum(p => 8 + p.Key.Length + p.Value.Length) + 1 + (page.Next is null ? 0 : 4 + page.Next.Length);
        var bytes = new byte[size];
        var at = WriteInt(bytes, 0, page.Items.Count);
        foreach (var (key, value) in page.Items)
        {
            at = WriteBytes(bytes, WriteBytes(bytes, at, key), value);
        }

        bytes[at++] = page.Next is null ? (byte)0 : (byte)1;
        if (page.Next is not null)
        {
            WriteBytes(bytes, at, page.Next);
        }

        return bytes;
    }

    public static ScanPage DecodePage(ReadOnlySpan<byte> bytes)
    {
        var at = 0;
        var count = ReadCount(bytes, ref at, 8);
        var items = new List<KeyValuePair<byte[], byte[]>>(count);
        for (var i = 0; i < count; i++)
        {
            var key = ReadBytes(bytes, ref at);
            items.Add(new(key, ReadBytes(bytes, ref at)));
        }

        var next = ReadByte(bytes, ref at) == 1 ? ReadBytes(bytes, ref at) : null;
        CheckEnd(bytes, at);
        return new ScanPage(items, next);
    }

    private static int WriteInt(byte[] bytes, int at, int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(at), value);
        return at + 4;
    }

    private static int WriteBytes(byte[] bytes, int at, byte[] value)
    {
        at = WriteInt(bytes, at, value.Length);
        value.CopyTo(bytes, at);
        return at + value.Length;
    }

    private static byte ReadByte(ReadOnlySpan<byte> bytes, ref int at) =>
        at < bytes.Length ? bytes[at++] : throw new FormatException("truncated: a kind or flag byte is missing");

    private static int ReadInt(ReadOnlySpan<byte> bytes, ref int at)
    {
        if (bytes.Length - at < 4)
        {
            throw new FormatException("truncated: a length is missing");
        }

        var value = BinaryPrimitives.ReadInt32BigEndian(bytes[at..]);
        at += 4;
        return value;
    }

    // Each element takes at least minimum bytes, so a count the input cannot hold is refused before allocating.
    private static int ReadCount(ReadOnlySpan<byte> bytes, ref int at, int minimum)
    {
        var count = ReadInt(bytes, ref at);
        return count >= 0 && count <= (bytes.Length - at) / minimum ? count : throw new FormatException($"count {count} does not fit the {bytes.Length} bytes");
    }

    private static byte[] ReadBytes(ReadOnlySpan<byte> bytes, ref int at)
    {
        var length = ReadInt(bytes, ref at);
        if (length < 0 || length > bytes.Length - at)
        {
            throw new FormatException($"length {length} at {at} runs past the end of {bytes.Length} bytes");
        }

        var value = bytes.Slice(at, length).ToArray();
        at += length;
        return value;
    }

    private static void CheckEnd(ReadOnlySpan<byte> bytes, int at)
    {
        if (at != bytes.Length)
        {
            throw new FormatException($"{bytes.Length - at} bytes left over");
        }
    }
}
