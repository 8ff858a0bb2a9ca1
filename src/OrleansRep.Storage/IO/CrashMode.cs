namespace OrleansRep.Storage.IO;

/// <summary>
/// What a simulated power loss (<see cref="MemoryFileSystem.Crash"/>) does with the changes made since the last
/// <see cref="IStorageFile.Flush"/> of a file, and with file creations and deletions made since the last
/// <see cref="IFileSystem.SyncDirectory"/>. Each mode is a different, legal outcome of the same crash; an engine
/// that recovers from all of them is not relying on luck.
/// </summary>
public enum CrashMode
{
    /// <summary>The worst case: every unsynced write and every unsynced creation or deletion is lost.</summary>
    LoseUnsynced,

    /// <summary>The best case: the disk had caught up; everything written before the crash survives.</summary>
    KeepUnsynced,

    /// <summary>
    /// Writeback in any order: each 512-byte sector changed since the last flush independently holds its new or its
    /// old bytes, the length is the durable or the current one, and each unsynced creation or deletion independently
    /// survives or not.
    /// </summary>
    RandomSectors,

    /// <summary>
    /// In-order writeback cut mid-write: in every file the changes before the last write survive, the last write
    /// survives only up to a sector boundary strictly inside it (possibly not at all), and anything after it is lost.
    /// Unsynced creations and deletions survive, since they came before.
    /// </summary>
    TornLastWrite,
}
