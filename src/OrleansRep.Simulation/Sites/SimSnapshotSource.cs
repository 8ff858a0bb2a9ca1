using System.Buffers.Binary;
using System.Security.Cryptography;
using OrleansRep.Replication;

namespace OrleansRep.Simulation.Sites;

/// <summary>
/// The master's side of internal init in the simulator: a "snapshot" is a digest of the site's log as it stood when
/// <see cref="Replication.Actions.PrepareSnapshot"/> was carried out (each record's LSN, kind and SHA-256 of its
/// bytes), cut into chunks. It is volatile (a crash forgets it) and bounded: only the newest
/// <see cref="MaxSnapshots"/> are kept, older ones answer -1.
/// </summary>
public sealed class SimSnapshotSource : ISnapshotSource
{
    public const int MaxSnapshots = 4;
    public const int ChunkBytes = 1024;

    private readonly Dictionary<long, byte[][]> _snapshots = [];
    private readonly Queue<long> _order = new();

    public int ChunkCount(long snapshotId) => _snapshots.TryGetValue(snapshotId, out var chunks) ? chunks.Length : -1;

    public ReadOnlyMemory<byte> ReadChunk(long snapshotId, int index) =>
        _snapshots.TryGetValue(snapshotId, out var chunks) && index >= 0 && index < chunks.Length
            ? chunks[index]
            : throw new InvalidOperationException($"snapshot {snapshotId} has no chunk {index}");

    /// <summary>Captures <paramref name="store"/>'s log as snapshot <paramref name="snapshotId"/>.</summary>
    public void Prepare(long snapshotId, IReplicaStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var digest = new List<byte>();
        var entry = new byte[9 + 32];
        for (var r = store.ReadFrom(store.First); r is not null; r = store.ReadFrom(LogPositions.After(r)))
        {
            r.Lsn.WriteTo(entry);
            entry[8] = (byte)r.Kind;
            SHA256.HashData(r.Frame.Span, entry.AsSpan(9));
            digest.AddRange(entry);
        }

        var header = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(header, snapshotId);
        digest.InsertRange(0, header);
        var bytes = digest.ToArray();
        var chunks = bytes.Chunk(ChunkBytes).ToArray();
        if (_snapshots.TryAdd(snapshotId, chunks))
        {
            _order.Enqueue(snapshotId);
        }
        else
        {
            _snapshots[snapshotId] = chunks;
        }

        while (_order.Count > MaxSnapshots)
        {
            _snapshots.Remove(_order.Dequeue());
        }
    }

    /// <summary>A crash loses prepared snapshots.</summary>
    public void Clear()
    {
        _snapshots.Clear();
        _order.Clear();
    }
}
