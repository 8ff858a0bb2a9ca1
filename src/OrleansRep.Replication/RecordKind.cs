namespace OrleansRep.Replication;

/// <summary>What the protocol needs to know about a log record. PERM records (commits, checkpoints) are
/// acknowledged, mark verify points and end elections' "last commit" search.</summary>
public enum RecordKind : byte
{
    /// <summary>Anything else: operations of a transaction not yet committed, file registrations.</summary>
    Data = 0,

    /// <summary>A transaction commit (PERM).</summary>
    Commit = 1,

    /// <summary>A checkpoint (PERM); a client flushes its cache before logging it.</summary>
    Checkpoint = 2,
}

public static class RecordKindExtensions
{
    public static bool IsPerm(this RecordKind kind) => kind is RecordKind.Commit or RecordKind.Checkpoint;
}
