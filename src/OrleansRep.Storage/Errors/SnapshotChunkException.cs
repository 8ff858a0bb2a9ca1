namespace OrleansRep.Storage;

/// <summary>
/// A snapshot chunk (internal init) that cannot be loaded: damaged in transit (bad magic, version, length or CRC32C),
/// malformed inside, or at odds with what is loaded already (a database id that names another database). Nothing of
/// the chunk is loaded; ask the sender for it again.
/// </summary>
public sealed class SnapshotChunkException(string detail) : StorageException($"snapshot chunk rejected: {detail}")
{
    public string Detail { get; } = detail;
}
