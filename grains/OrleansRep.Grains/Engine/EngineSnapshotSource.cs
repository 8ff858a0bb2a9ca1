using OrleansRep.Replication;
using OrleansRep.Storage;
using OrleansRep.Storage.Snapshot;

namespace OrleansRep.Grains.Engine;

/// <summary>
/// The master's side of internal init on the engine: the snapshots <see cref="Replication.Actions.PrepareSnapshot"/>
/// asked for, each a consistent <see cref="EnvironmentSnapshot"/> of the replica's data (a read transaction: writes go
/// on), served to the machine chunk by chunk. Bounded: at most <see cref="MaxPrepared"/> at once (a new one drops the
/// oldest, whose client's next chunk request gets PAGE_FAIL and starts over); each is released on
/// <see cref="Replication.Actions.ReleaseSnapshot"/>, when the environment is replaced, or on dispose. Not
/// thread-safe: used on the replica's turn, as the store.
/// </summary>
public sealed class EngineSnapshotSource : ISnapshotSource, IDisposable
{
    /// <summary>Most snapshots held at once: each pins the versions its read transaction sees, so a few clients in
    /// init at a time is plenty (the machine allows up to 16 and drops the least recently used).</summary>
    public const int MaxPrepared = 4;

    /// <summary>Chunk size: 512 KiB, so a chunk with its message header fits one peer delivery (1 MiB by default).</summary>
    public const int ChunkBytes = 512 << 10;

    private readonly List<(long Id, EnvironmentSnapshot Snapshot)> _prepared = [];

    /// <summary>Snapshots held now (for tests and status).</summary>
    public int Count => _prepared.Count;

    /// <summary>Takes a snapshot of <paramref name="environment"/> as of its latest commit under
    /// <paramref name="snapshotId"/> (replacing one with the same id).</summary>
    public EnvironmentSnapshot Prepare(long snapshotId, StorageEnvironment environment)
    {
        Release(snapshotId);
        while (_prepared.Count >= MaxPrepared)
        {
            _prepared[0].Snapshot.Dispose();
            _prepared.RemoveAt(0);
        }

        var snapshot = environment.CreateSnapshot(ChunkBytes);
        _prepared.Add((snapshotId, snapshot));
        return snapshot;
    }

    public void Release(long snapshotId)
    {
        var index = _prepared.FindIndex(p => p.Id == snapshotId);
        if (index >= 0)
        {
            _prepared[index].Snapshot.Dispose();
            _prepared.RemoveAt(index);
        }
    }

    public void ReleaseAll()
    {
        foreach (var (_, snapshot) in _prepared)
        {
            snapshot.Dispose();
        }

        _prepared.Clear();
    }

    public int ChunkCount(long snapshotId) => Find(snapshotId)?.ChunkCount ?? -1;

    public ReadOnlyMemory<byte> ReadChunk(long snapshotId, int index) =>
        (Find(snapshotId) ?? throw new InvalidOperationException($"snapshot {snapshotId} is not prepared (released, or never was)")).ReadChunk(index);

    private EnvironmentSnapshot? Find(long snapshotId) => _prepared.Find(p => p.Id == snapshotId).Snapshot;

    public void Dispose() => ReleaseAll();
}
