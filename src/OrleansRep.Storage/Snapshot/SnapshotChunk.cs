using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace OrleansRep.Storage.Snapshot;

/// <summary>
/// The wire format of one chunk of an environment snapshot (internal init), in one place. Each chunk stands alone: it
/// names the databases its pairs belong to, so chunks load in any order and a chunk loaded twice changes nothing.
/// <code>
/// header (24 bytes): 0 u32 magic "ORSN" | 4 u16 format version (1) | 6 u16 reserved (0) | 8 u32 chunk index
///                    12 u32 next database id of the snapshot's catalog | 16 u32 payload bytes
///                    20 u32 crc32c of header bytes 0..20 followed by the payload
/// payload: segments, each  u32 database id | u16 name bytes | name (UTF-8) | u32 pairs
///                          then per pair  u32 key bytes | key | u32 value bytes | value
/// </code>
/// Little-endian, as the rest of the engine's files.
/// </summary>
public static class SnapshotChunk
{
    public const uint Magic = 0x4E53_524F; // "ORSN"
    public const ushort FormatVersion = 1;
    public const int HeaderSize = 24;
    internal const int SegmentOverhead = 10;
    internal const int PairOverhead = 8;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>One database's part of a chunk.</summary>
    public sealed record Segment(uint DatabaseId, string Name, IReadOnlyList<(ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte> Value)> Pairs);

    /// <summary>A decoded chunk: its index, the catalog's next database id, and its segments (slices of the input).</summary>
    public sealed record Contents(int Index, uint NextDatabaseId, IReadOnlyList<Segment> Segments);

    /// <summary>Starts a chunk in <paramref name="output"/> (cleared); add segments with <see cref="WriteSegmentHeader"/>
    /// and <see cref="WritePair"/>, then <see cref="Seal"/>.</summary>
    internal static void Begin(ArrayBufferWriter<byte> output)
    {
        output.Clear();
        output.GetSpan(HeaderSize)[..HeaderSize].Clear();
        output.Advance(HeaderSize);
    }

    internal static void WriteSegmentHeader(ArrayBufferWriter<byte> output, uint databaseId, string name, int pairs)
    {
        var nameBytes = Encoding.UTF8.GetByteCount(name);
        var span = output.GetSpan(SegmentOverhead + nameBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(span, databaseId);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], checked((ushort)nameBytes));
        Encoding.UTF8.GetBytes(name, span[6..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[(6 + nameBytes)..], pairs);
        output.Advance(SegmentOverhead + nameBytes);
    }

    internal static void WritePair(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var span = output.GetSpan(PairOverhead + key.Length + value.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span, key.Length);
        key.CopyTo(span[4..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[(4 + key.Length)..], value.Length);
        value.CopyTo(span[(8 + key.Length)..]);
        output.Advance(PairOverhead + key.Length + value.Length);
    }

    /// <summary>Fills in the header of the chunk in <paramref name="output"/> and returns its bytes.</summary>
    internal static byte[] Seal(ArrayBufferWriter<byte> output, int index, uint nextDatabaseId)
    {
        var bytes = output.WrittenSpan.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), FormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), index);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12), nextDatabaseId);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(16), bytes.Length - HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(20), Crc(bytes));
        return bytes;
    }

    private static uint Crc(ReadOnlySpan<byte> chunk) =>
        Checksum.Append(Checksum.Append(0xFFFFFFFFu, chunk[..20]), chunk[HeaderSize..]) ^ 0xFFFFFFFFu;

    /// <summary>Checks and decodes a chunk; anything wrong throws <see cref="SnapshotChunkException"/>.</summary>
    public static Contents Decode(ReadOnlyMemory<byte> chunk)
    {
        var span = chunk.Span;
        if (span.Length < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(span) != Magic)
        {
            throw new SnapshotChunkException($"not a snapshot chunk ({span.Length} bytes, no \"ORSN\" header)");
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(span[4..]);
        if (version != FormatVersion)
        {
            throw new SnapshotChunkException($"unsupported chunk format version {version} (this engine reads {FormatVersion})");
        }

        var payload = BinaryPrimitives.ReadInt32LittleEndian(span[16..]);
        if (payload != span.Length - HeaderSize)
        {
            throw new SnapshotChunkException($"header says {payload} payload bytes, the chunk has {span.Length - HeaderSize}");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(span[20..]) != Crc(span))
        {
            throw new SnapshotChunkException("CRC32C mismatch");
        }

        var index = BinaryPrimitives.ReadInt32LittleEndian(span[8..]);
        var nextId = BinaryPrimitives.ReadUInt32LittleEndian(span[12..]);
        var segments = new List<Segment>();
        var pos = HeaderSize;
        while (pos < span.Length)
        {
            var id = ReadUInt32(span, ref pos);
            var nameBytes = (int)ReadUInt16(span, ref pos);
            string name;
            try
            {
                name = StrictUtf8.GetString(Take(span, ref pos, nameBytes));
            }
            catch (DecoderFallbackException)
            {
                throw new SnapshotChunkException($"database name at {pos} is not UTF-8");
            }

            if (id == 0 || id >= nextId || name.Length == 0)
            {
                throw new SnapshotChunkException($"database '{name}' #{id} is not a valid database of a catalog whose next id is {nextId}");
            }

            var count = ReadUInt32(span, ref pos);
            var pairs = new List<(ReadOnlyMemory<byte>, ReadOnlyMemory<byte>)>((int)Math.Min(count, 1 << 16));
            for (var i = 0u; i < count; i++)
            {
                var keyLength = (int)ReadUInt32(span, ref pos);
                var key = chunk.Slice(pos, Check(span, pos, keyLength));
                pos += keyLength;
                var valueLength = (int)ReadUInt32(span, ref pos);
                var value = chunk.Slice(pos, Check(span, pos, valueLength));
                pos += valueLength;
                pairs.Add((key, value));
            }

            segments.Add(new Segment(id, name, pairs));
        }

        return new Contents(index, nextId, segments);
    }

    private static int Check(ReadOnlySpan<byte> span, int pos, int length) =>
        length >= 0 && length <= span.Length - pos ? length : throw new SnapshotChunkException($"a length of {(uint)length} at {pos} runs past the end of the chunk ({span.Length} bytes)");

    private static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> span, ref int pos, int length)
    {
        var taken = span.Slice(pos, Check(span, pos, length));
        pos += length;
        return taken;
    }

    private static uint ReadUInt32(ReadOnlySpan<byte> span, ref int pos) => BinaryPrimitives.ReadUInt32LittleEndian(Take(span, ref pos, 4));

    private static ushort ReadUInt16(ReadOnlySpan<byte> span, ref int pos) => BinaryPrimitives.ReadUInt16LittleEndian(Take(span, ref pos, 2));
}
