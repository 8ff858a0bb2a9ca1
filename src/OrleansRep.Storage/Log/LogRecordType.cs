namespace OrleansRep.Storage.Log;

/// <summary>What a log record holds. Wire values are stable: replication ships records between sites.</summary>
public enum LogRecordType : byte
{
    /// <summary>Operations of a transaction too large for one record; its <see cref="Commit"/> follows.</summary>
    Ops = 1,

    /// <summary>A transaction's (remaining) operations and its commit. Permanent: replication acknowledges it.</summary>
    Commit = 2,

    /// <summary>A checkpoint completed: pages up to the record's redo LSN are in the data file. Permanent.</summary>
    Checkpoint = 3,

    /// <summary>Opaque bytes a layer above wrote into the log (e.g. replication's LSN-history record).</summary>
    Application = 4,
}

public static class LogRecordTypeExtensions
{
    /// <summary>Permanent records are the ones a replication master waits to have acknowledged (Berkeley DB's PERM).</summary>
    public static bool IsPermanent(this LogRecordType type) => type is LogRecordType.Commit or LogRecordType.Checkpoint;

    public static bool IsKnown(this LogRecordType type) => type is >= LogRecordType.Ops and <= LogRecordType.Application;
}
