using System.Buffers.Binary;

namespace OrleansRep.Storage.Tree;

/// <summary>Kinds of page. Every page has the same header; the kind says how the body reads.</summary>
public enum PageKind : byte
{
    Free = 0,
    Meta = 1,
    Leaf = 2,
    Branch = 3,

    /// <summary>A piece of a byte string stored across a chain of pages (large values, the catalog, the free list).</summary>
    Overflow = 4,
}

/// <summary>
/// The one page format of the data file <c>orep.db</c>, in one place. Every page starts with this 32-byte header:
/// <code>
///  0  u32  crc32c of bytes 4..pageSize
///  4  u32  magic "ORPG"
///  8  u64  page number (catches misdirected writes)
/// 16  u8   kind (<see cref="PageKind"/>)
/// 17  u8   level: 0 for leaves and other pages, height above the leaves for branches
/// 18  u16  entry count (leaf, branch)
/// 20  u32  bytes used after the header
/// 24  u64  next page of an overflow chain, else 0
/// </code>
/// Leaf entry: u16 key length, u8 flags (1 = value on overflow pages), u32 value length, key, then the value or an
/// overflow reference (u64 first page, u32 reserved). Branch: u64 first child, then per further child u16 key
/// length, separator key, u64 child. Pages 0 and 1 are the two meta pages (see <see cref="MetaPage"/>).
/// </summary>
public static class PageLayout
{
    public const int HeaderSize = 32;
    public const uint Magic = 0x4750524F; // "ORPG" little-endian
    public const int LeafEntryOverhead = 7;
    public const int BranchEntryOverhead = 10;
    public const int OverflowRefSize = 12;
    public const byte ValueOnOverflow = 1;

    /// <summary>Largest leaf entry (overhead + key + inline value or overflow ref) kept on a page: three must fit.</summary>
    public static int MaxInlineEntry(int pageSize) => ((pageSize - HeaderSize) / 3) - LeafEntryOverhead;

    public static int Capacity(int pageSize) => pageSize - HeaderSize;

    public static void WriteHeader(Span<byte> page, ulong pageNo, PageKind kind, int count, int used, ulong next, int level = 0)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(page[4..], Magic);
        BinaryPrimitives.WriteUInt64LittleEndian(page[8..], pageNo);
        page[16] = (byte)kind;
        page[17] = checked((byte)level);
        BinaryPrimitives.WriteUInt16LittleEndian(page[18..], checked((ushort)count));
        BinaryPrimitives.WriteInt32LittleEndian(page[20..], used);
        BinaryPrimitives.WriteUInt64LittleEndian(page[24..], next);
    }

    /// <summary>Stamps the checksum; call last, after the body is written.</summary>
    public static void Seal(Span<byte> page) => BinaryPrimitives.WriteUInt32LittleEndian(page, Checksum.Crc32C(page[4..]));

    public static bool ChecksumMatches(ReadOnlySpan<byte> page) =>
        BinaryPrimitives.ReadUInt32LittleEndian(page) == Checksum.Crc32C(page[4..]);

    public static ulong PageNo(ReadOnlySpan<byte> page) => BinaryPrimitives.ReadUInt64LittleEndian(page[8..]);

    public static PageKind Kind(ReadOnlySpan<byte> page) => (PageKind)page[16];

    public static int Level(ReadOnlySpan<byte> page) => page[17];

    public static int Count(ReadOnlySpan<byte> page) => BinaryPrimitives.ReadUInt16LittleEndian(page[18..]);

    public static int Used(ReadOnlySpan<byte> page) => BinaryPrimitives.ReadInt32LittleEndian(page[20..]);

    public static ulong Next(ReadOnlySpan<byte> page) => BinaryPrimitives.ReadUInt64LittleEndian(page[24..]);

    /// <summary>Null when the page is sound, else what is wrong with it.</summary>
    public static string? Check(ReadOnlySpan<byte> page, ulong expectedPageNo)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(page[4..]) != Magic)
        {
            return "bad page magic";
        }

        if (!ChecksumMatches(page))
        {
            return "page checksum mismatch";
        }

        if (PageNo(page) != expectedPageNo)
        {
            return $"page claims number {PageNo(page)}";
        }

        return Used(page) < 0 || Used(page) > page.Length - HeaderSize ? "bad used-bytes field" : null;
    }
}
