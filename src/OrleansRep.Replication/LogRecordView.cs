using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// One log record as replication sees it: where it is, what kind it is, and its bytes (the engine's framed record,
/// opaque here). Verification compares <see cref="Frame"/> byte for byte, as Berkeley DB compares records.
/// </summary>
public sealed record LogRecordView(Lsn Lsn, RecordKind Kind, ReadOnlyMemory<byte> Frame)
{
    public bool IsPerm => Kind.IsPerm();

    public bool SameBytes(LogRecordView other) => Frame.Span.SequenceEqual(other.Frame.Span);

    public override string ToString() => $"{Kind}@{Lsn}({Frame.Length}B)";
}
