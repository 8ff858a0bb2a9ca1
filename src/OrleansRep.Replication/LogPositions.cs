using OrleansRep.Storage;
using OrleansRep.Storage.Log;

namespace OrleansRep.Replication;

/// <summary>LSN arithmetic of the engine's log layout, in one place: records follow each other within a file, and a
/// new file's first record comes right after its header.</summary>
public static class LogPositions
{
    /// <summary>The LSN right after <paramref name="record"/>.</summary>
    public static Lsn After(LogRecordView record) => new(record.Lsn.File, record.Lsn.Offset + (uint)record.Frame.Length);

    /// <summary>Where the first record of file <paramref name="file"/> goes.</summary>
    public static Lsn StartOfFile(uint file) => new(file, LogFormat.FileHeaderSize);
}
