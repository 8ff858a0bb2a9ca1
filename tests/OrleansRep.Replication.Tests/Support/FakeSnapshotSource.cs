namespace OrleansRep.Replication.Tests.Support;

/// <summary>A master host's prepared snapshots for internal-init tests: the test adds a snapshot's chunks when the
/// machine asks for it (<see cref="Actions.PrepareSnapshot"/>) and removes it to play a snapshot that vanished.</summary>
internal sealed class FakeSnapshotSource : ISnapshotSource
{
    private readonly Dictionary<long, byte[][]> _snapshots = [];

    public void Add(long snapshotId, byte[][] chunks) => _snapshots[snapshotId] = chunks;

    public void Remove(long snapshotId) => _snapshots.Remove(snapshotId);

    public int ChunkCount(long snapshotId) => _snapshots.TryGetValue(snapshotId, out var chunks) ? chunks.Length : -1;

    public ReadOnlyMemory<byte> ReadChunk(long snapshotId, int index) => _snapshots[snapshotId][index];

    /// <summary><paramref name="count"/> chunks of <paramref name="size"/> bytes, each filled with its index plus
    /// <paramref name="salt"/>, so chunks of one snapshot and of different snapshots differ.</summary>
    public static byte[][] MakeChunks(int count, int size = 16, byte salt = 0) =>
        Enumerable.Range(0, count).Select(i => Enumerable.Repeat((byte)(i + salt), size).ToArray()).ToArray();
}
