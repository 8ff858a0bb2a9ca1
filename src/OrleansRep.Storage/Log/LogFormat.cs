using System.Buffers.Binary;

namespace OrleansRep.Storage.Log;

/// <summary>
/// The log's on-disk layout, in one place. Segment files are <c>log.0000000001</c>, <c>log.0000000002</c>, ...
/// Each starts with a 32-byte file header, then records back to back:
/// <code>
/// file header:  0 u64 magic "ORPLOG01" | 8 u32 format version | 12 u32 file number | 16 u32 file size option
///               20 u32 offset of the file's first record (0 = right after the header; set only in the first file of a
///               log restarted at a given LSN by internal init) | 24 u32 reserved | 28 u32 crc32c of bytes 0..28
/// record:       0 u32 length (header + payload) | 4 u32 crc32c of bytes 8..length | 8 u32 length of the previous
///               record in this file (0 for the first; lets readers walk backwards) | 12 u8 type | 13 u8 flags
///               14 u16 reserved | 16 u64 transaction id | 24 u64 previous LSN of the same transaction | 32 payload
/// </code>
/// Files are made full-size and zero-filled before use (see LogFilePreparer), so a zero length field marks the end of the log.
/// </summary>
public static class LogFormat
{
    public const ulong FileMagic = 0x31304750_4C50524F; // "ORPLOG01"
    public const uint FormatVersion = 1;
    public const int FileHeaderSize = 32;
    public const int RecordHeaderSize = 32;

    /// <summary>Torn-write detection works in units of this size (a disk sector).</summary>
    public const int SectorSize = 512;

    /// <summary>The largest record: a 16 MiB value plus its before-image plus framing, with room to spare.</summary>
    public const int MaxRecordSize = 64 << 20;

    public static string FileName(uint fileNo) => $"log.{fileNo:D10}";

    public static bool TryParseFileName(string name, out uint fileNo)
    {
        fileNo = 0;
        return name.Length == 14 && name.StartsWith("log.", StringComparison.Ordinal) && uint.TryParse(name.AsSpan(4), out fileNo) && fileNo > 0;
    }

    public static void WriteFileHeader(Span<byte> dest, uint fileNo, int fileSize, uint firstRecord = 0)
    {
        dest[..FileHeaderSize].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(dest, FileMagic);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[8..], FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[12..], fileNo);
        BinaryPrimitives.WriteInt32LittleEndian(dest[16..], fileSize);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[20..], firstRecord <= FileHeaderSize ? 0 : firstRecord);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[28..], Checksum.Crc32C(dest[..28]));
    }

    /// <summary>Null when the header is sound for <paramref name="fileNo"/>, else what is wrong.</summary>
    public static string? CheckFileHeader(ReadOnlySpan<byte> header, uint fileNo)
    {
        if (header.Length < FileHeaderSize)
        {
            return "file shorter than its header";
        }

        if (BinaryPrimitives.ReadUInt64LittleEndian(header) != FileMagic)
        {
            return "bad log file magic";
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(header[28..]) != Checksum.Crc32C(header[..28]))
        {
            return "log file header checksum mismatch";
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) != FormatVersion)
        {
            return $"unsupported log format version {BinaryPrimitives.ReadUInt32LittleEndian(header[8..])}";
        }

        var stored = BinaryPrimitives.ReadUInt32LittleEndian(header[12..]);
        if (stored != fileNo)
        {
            return $"header says file {stored}";
        }

        var first = BinaryPrimitives.ReadUInt32LittleEndian(header[20..]);
        return first is not 0 and < FileHeaderSize ? $"first record offset {first} is inside the header" : null;
    }

    /// <summary>Where the first record of a file with a sound <paramref name="header"/> goes: right after the header,
    /// except in the first file of a log that internal init restarted at an LSN inside that file.</summary>
    public static uint FirstRecordOffset(ReadOnlySpan<byte> header)
    {
        var first = BinaryPrimitives.ReadUInt32LittleEndian(header[20..]);
        return first == 0 ? FileHeaderSize : first;
    }

    /// <summary>Writes a record header and stamps the CRC over header tail and payload (which must already be in place).</summary>
    public static void SealRecord(Span<byte> record, int prevLength, LogRecordType type, byte flags, ulong txnId, Lsn prevLsn)
    {
        BinaryPrimitives.WriteInt32LittleEndian(record, record.Length);
        BinaryPrimitives.WriteInt32LittleEndian(record[8..], prevLength);
        record[12] = (byte)type;
        record[13] = flags;
        BinaryPrimitives.WriteUInt16LittleEndian(record[14..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(record[16..], txnId);
        prevLsn.WriteTo(record[24..]);
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], Checksum.Crc32C(record[8..]));
    }

    public static int RecordLength(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadInt32LittleEndian(header);

    public static int PrevLength(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadInt32LittleEndian(header[8..]);

    public static bool RecordChecksumMatches(ReadOnlySpan<byte> record) =>
        BinaryPrimitives.ReadUInt32LittleEndian(record[4..]) == Checksum.Crc32C(record[8..]);

    /// <summary>Rewrites the prev-length field (a record shipped from another site lands after a record of ours) and
    /// re-stamps the CRC.</summary>
    public static void SetPrevLength(Span<byte> record, int prevLength)
    {
        BinaryPrimitives.WriteInt32LittleEndian(record[8..], prevLength);
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], Checksum.Crc32C(record[8..]));
    }
}
