using System.Buffers.Binary;

namespace OrleansRep.Storage.Log;

/// <summary>One record read from the log. <see cref="Frame"/> is the whole record as stored (header + payload), which is
/// what replication ships; <see cref="Payload"/> is the part after the header.</summary>
public sealed class LogRecord(Lsn lsn, byte[] frame)
{
    public Lsn Lsn { get; } = lsn;

    public byte[] Frame { get; } = frame;

    public int Length => Frame.Length;

    public LogRecordType Type => (LogRecordType)Frame[12];

    public byte Flags => Frame[13];

    public ulong TxnId => BinaryPrimitives.ReadUInt64LittleEndian(Frame.AsSpan(16));

    public Lsn PrevLsn => Lsn.ReadFrom(Frame.AsSpan(24));

    public ReadOnlyMemory<byte> Payload => Frame.AsMemory(LogFormat.RecordHeaderSize);

    /// <summary>LSN just past this record (where the next one starts, in the same file).</summary>
    public Lsn End => new(Lsn.File, Lsn.Offset + (uint)Length);

    public override string ToString() => $"{Lsn} {Type} txn={TxnId} len={Length}";
}
