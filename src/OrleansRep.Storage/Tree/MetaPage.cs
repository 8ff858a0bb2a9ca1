using System.Buffers.Binary;

namespace OrleansRep.Storage.Tree;

/// <summary>
/// What a checkpoint leaves behind: where the tree pages are and where redo starts. Pages 0 and 1 hold the two most
/// recent metas; a checkpoint overwrites the older one, so a torn meta write leaves the other one intact.
/// <code>
/// body: 0 u64 magic "ORPMETA1" | 8 u32 format version | 12 u32 page size | 16 u64 sequence | 24 u64 redo LSN
///       32 u64 commit version | 40 u64 page count | 48 u64 catalog page | 56 u32 catalog bytes
///       60 u64 free-list page | 68 u32 free-list bytes | 72 i64 created (unix ms) | 80 i64 checkpoint time (unix ms)
///       88 u64 truncate-log-to LSN (0 = none): a rollback of the log tail in progress; recovery finishes it
/// </code>
/// </summary>
internal sealed record MetaPage(
    ulong Sequence,
    Lsn RedoLsn,
    long Version,
    ulong PageCount,
    ulong CatalogPage,
    int CatalogBytes,
    ulong FreeListPage,
    int FreeListBytes,
    long CreatedUnixMs,
    long CheckpointUnixMs,
    int PageSize,
    Lsn TruncateLogTo = default)
{
    public const ulong Magic = 0x3141_5445_4D50_524F; // "ORPMETA1"
    public const uint FormatVersion = 1;

    public ulong Slot => Sequence % 2;

    public void WriteTo(Span<byte> page)
    {
        page.Clear();
        PageLayout.WriteHeader(page, Slot, PageKind.Meta, 0, 96, 0);
        var b = page[PageLayout.HeaderSize..];
        BinaryPrimitives.WriteUInt64LittleEndian(b, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(b[8..], FormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(b[12..], PageSize);
        BinaryPrimitives.WriteUInt64LittleEndian(b[16..], Sequence);
        RedoLsn.WriteTo(b[24..]);
        BinaryPrimitives.WriteInt64LittleEndian(b[32..], Version);
        BinaryPrimitives.WriteUInt64LittleEndian(b[40..], PageCount);
        BinaryPrimitives.WriteUInt64LittleEndian(b[48..], CatalogPage);
        BinaryPrimitives.WriteInt32LittleEndian(b[56..], CatalogBytes);
        BinaryPrimitives.WriteUInt64LittleEndian(b[60..], FreeListPage);
        BinaryPrimitives.WriteInt32LittleEndian(b[68..], FreeListBytes);
        BinaryPrimitives.WriteInt64LittleEndian(b[72..], CreatedUnixMs);
        BinaryPrimitives.WriteInt64LittleEndian(b[80..], CheckpointUnixMs);
        TruncateLogTo.WriteTo(b[88..]);
        PageLayout.Seal(page);
    }

    /// <summary>The meta in <paramref name="page"/> (slot <paramref name="slot"/>), or null with the reason it is unusable.</summary>
    public static (MetaPage? Meta, string? Problem) Read(ReadOnlySpan<byte> page, ulong slot)
    {
        var problem = PageLayout.Check(page, slot);
        if (problem != null)
        {
            return (null, problem);
        }

        var b = page[PageLayout.HeaderSize..];
        if (PageLayout.Kind(page) != PageKind.Meta || BinaryPrimitives.ReadUInt64LittleEndian(b) != Magic)
        {
            return (null, "not a meta page");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(b[8..]) != FormatVersion)
        {
            return (null, $"unsupported data file format {BinaryPrimitives.ReadUInt32LittleEndian(b[8..])}");
        }

        return (new MetaPage(
            BinaryPrimitives.ReadUInt64LittleEndian(b[16..]),
            Lsn.ReadFrom(b[24..]),
            BinaryPrimitives.ReadInt64LittleEndian(b[32..]),
            BinaryPrimitives.ReadUInt64LittleEndian(b[40..]),
            BinaryPrimitives.ReadUInt64LittleEndian(b[48..]),
            BinaryPrimitives.ReadInt32LittleEndian(b[56..]),
            BinaryPrimitives.ReadUInt64LittleEndian(b[60..]),
            BinaryPrimitives.ReadInt32LittleEndian(b[68..]),
            BinaryPrimitives.ReadInt64LittleEndian(b[72..]),
            BinaryPrimitives.ReadInt64LittleEndian(b[80..]),
            BinaryPrimitives.ReadInt32LittleEndian(b[12..]),
            Lsn.ReadFrom(b[88..])), null);
    }
}
