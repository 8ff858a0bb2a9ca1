using OrleansRep.Replication;

namespace OrleansRep.Grains.Shards;

/// <summary>The snapshot source of a replica whose store does not do internal init yet: there are none.</summary>
internal sealed class NoSnapshots : ISnapshotSource
{
    public static readonly NoSnapshots Instance = new();

    public int ChunkCount(long snapshotId) => -1;

    public ReadOnlyMemory<byte> ReadChunk(long snapshotId, int index) => throw new InvalidOperationException("no snapshots: internal init is not done by the engine store yet");
}
