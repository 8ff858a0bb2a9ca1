using System.Buffers.Binary;
using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// Identifies a commit across the group (Berkeley DB's DB_TXN_TOKEN): the generation and master it was committed
/// under and its LSN. 20 bytes on the wire, network order: version 1, gen, master id, LSN file, LSN offset.
/// </summary>
public readonly record struct CommitToken(uint Gen, SiteId Master, Lsn Lsn)
{
    public const int Size = 20;
    private const uint FormatVersion = 1;

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, FormatVersion);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Gen);
        BinaryPrimitives.WriteInt32BigEndian(destination[8..], Master.Value);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], Lsn.File);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], Lsn.Offset);
    }

    public static CommitToken ReadFrom(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size || BinaryPrimitives.ReadUInt32BigEndian(source) != FormatVersion)
        {
            throw new FormatException("not a version-1 commit token of 20 bytes");
        }

        return new CommitToken(
            BinaryPrimitives.ReadUInt32BigEndian(source[4..]),
            new SiteId(BinaryPrimitives.ReadInt32BigEndian(source[8..])),
            new Lsn(BinaryPrimitives.ReadUInt32BigEndian(source[12..]), BinaryPrimitives.ReadUInt32BigEndian(source[16..])));
    }

    public override string ToString() => $"gen {Gen} {Master} {Lsn}";
}
