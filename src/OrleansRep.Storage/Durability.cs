namespace OrleansRep.Storage;

/// <summary>What a commit waits for before it returns.</summary>
public enum Durability
{
    /// <summary>The commit's log records are written to the operating system, not fsynced: they survive a crash of
    /// the process but not of the machine. (Berkeley DB's DB_TXN_WRITE_NOSYNC.)</summary>
    NoSync = 0,

    /// <summary>The log is fsynced up to the commit record before the commit returns. Concurrent Sync committers share
    /// one fsync (group commit).</summary>
    Sync = 1,
}
