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

    /// <summary>The commit's records stay in the log buffer: they are written when the buffer fills
    /// (<see cref="StorageOptions.LogBufferSize"/>), at the next Sync commit, checkpoint or close. A crash of the
    /// process can lose them (always as a suffix: never an older commit but not a newer one). Berkeley DB's
    /// DB_TXN_NOSYNC.</summary>
    Buffered = 2,
}
