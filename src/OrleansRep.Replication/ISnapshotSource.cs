namespace OrleansRep.Replication;

/// <summary>Master side of internal init: the chunks of a snapshot prepared by <see cref="Actions.PrepareSnapshot"/>
/// (read-only, like <see cref="IReplicaStore"/>).</summary>
public interface ISnapshotSource
{
    /// <summary>Number of chunks of a prepared snapshot, or -1 if it is not (or no longer) available.</summary>
    int ChunkCount(long snapshotId);

    /// <summary>Chunk <paramref name="index"/> of a prepared snapshot.</summary>
    ReadOnlyMemory<byte> ReadChunk(long snapshotId, int index);
}
