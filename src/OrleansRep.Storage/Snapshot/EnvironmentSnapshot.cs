using System.Buffers;
using System.Text;

namespace OrleansRep.Storage.Snapshot;

/// <summary>
/// A consistent snapshot of every database of an environment as of one commit (the master's side of internal init),
/// served as self-checking chunks (<see cref="SnapshotChunk"/>) of about <see cref="ChunkBytes"/> each. It holds a
/// read transaction: writers go on meanwhile (readers never block them), and the snapshot keeps seeing the commit it
/// was taken at, <see cref="ConsistentAt"/>, until it is disposed. Chunks are planned once (<see cref="Plan"/>: one pass
/// over the data, keeping only where each chunk starts), so any chunk can be read again, in any order, with the same
/// bytes. Planning a large environment takes seconds, so a host may take the snapshot (which must happen between
/// commits) and plan it on another thread. Read it from one thread at a time.
/// </summary>
public sealed class EnvironmentSnapshot : IDisposable
{
    /// <summary>Default chunk size: 1 MiB. A pair larger than a chunk goes alone in a chunk of its own.</summary>
    public const int DefaultChunkBytes = 1 << 20;

    private readonly ReadTransaction _read;
    private readonly List<(uint Id, string Name, Database Db)> _databases = [];
    private readonly List<List<PlannedSegment>> _plan = [];
    private readonly uint _nextDatabaseId;
    private readonly ArrayBufferWriter<byte> _output = new();

    internal EnvironmentSnapshot(StorageEnvironment env, int chunkBytes, bool plan)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 4096);
        ChunkBytes = chunkBytes;

        // Taken while no writer is between appending its records and publishing its commit, so the snapshot holds
        // exactly the log before ConsistentAt.
        env.EnterWriter();
        try
        {
            _read = env.BeginRead();
            ConsistentAt = env.LogEnd;
        }
        finally
        {
            env.EndWrite();
        }

        try
        {
            _nextDatabaseId = _read.Catalog.NextId;
            foreach (var name in _read.DatabaseNames())
            {
                var db = _read.OpenDatabase(name);
                _databases.Add((db.Id, name, db));
            }

            if (plan)
            {
                Plan();
            }
        }
        catch
        {
            _read.Dispose();
            throw;
        }
    }

    /// <summary>The log position the snapshot is consistent at: every commit before it is in, none after it.</summary>
    public Lsn ConsistentAt { get; }

    public int ChunkBytes { get; }

    /// <summary>True once <see cref="Plan"/> has finished: chunks can be read.</summary>
    public bool IsPlanned { get; private set; }

    public int ChunkCount => IsPlanned ? _plan.Count : throw new InvalidOperationException("the snapshot is not planned yet");

    /// <summary>Keys and values in the snapshot, in bytes.</summary>
    public long DataBytes { get; private set; }

    /// <summary>Pairs in the snapshot.</summary>
    public long PairCount { get; private set; }

    /// <summary>Chunk <paramref name="index"/> (0 ≤ index &lt; <see cref="ChunkCount"/>), encoded.</summary>
    public byte[] ReadChunk(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, ChunkCount);
        SnapshotChunk.Begin(_output);
        foreach (var segment in _plan[index])
        {
            var (id, name, db) = _databases[segment.Database];
            SnapshotChunk.WriteSegmentHeader(_output, id, name, segment.Pairs);
            if (segment.Pairs == 0)
            {
                continue;
            }

            var cursor = _read.OpenCursor(db);
            var found = segment.FirstKey == null ? cursor.First() : cursor.Seek(segment.FirstKey);
            for (var i = 0; i < segment.Pairs; i++)
            {
                if (!found)
                {
                    throw new InvalidOperationException($"snapshot chunk {index}: database {name} ended before its planned pairs (the read transaction's view changed)");
                }

                SnapshotChunk.WritePair(_output, cursor.Key.Span, cursor.Value.Span);
                found = cursor.Next();
            }
        }

        return SnapshotChunk.Seal(_output, index, _nextDatabaseId);
    }

    /// <summary>Cuts the databases, in name order, into chunks of about <see cref="ChunkBytes"/>. Every database is
    /// named in some chunk, an empty one too, so the client gets the whole catalog. Once only; it may run on any one
    /// thread, and stops with <see cref="OperationCanceledException"/> when <paramref name="cancellation"/> is
    /// signalled (the snapshot is then of no use: dispose it).</summary>
    public void Plan(CancellationToken cancellation = default)
    {
        if (IsPlanned || _plan.Count > 0)
        {
            throw new InvalidOperationException("the snapshot is planned once");
        }

        var chunk = new List<PlannedSegment>();
        var bytes = SnapshotChunk.HeaderSize;
        for (var d = 0; d < _databases.Count; d++)
        {
            var (_, name, db) = _databases[d];
            var segmentBytes = SnapshotChunk.SegmentOverhead + Encoding.UTF8.GetByteCount(name);
            var segment = new PlannedSegment(d, null);
            chunk.Add(segment);
            bytes += segmentBytes;
            var cursor = _read.OpenCursor(db);
            for (var more = cursor.First(); more; more = cursor.Next())
            {
                if ((PairCount & 0xFFF) == 0)
                {
                    cancellation.ThrowIfCancellationRequested();
                }

                var pairBytes = SnapshotChunk.PairOverhead + cursor.Key.Length + cursor.Value.Length;
                if (bytes + pairBytes > ChunkBytes && (segment.Pairs > 0 || chunk.Count > 1))
                {
                    // Full: this pair starts the next chunk (a chunk always takes at least one pair, however large).
                    if (segment.Pairs == 0)
                    {
                        chunk.RemoveAt(chunk.Count - 1);
                    }

                    _plan.Add(chunk);
                    segment = new PlannedSegment(d, cursor.Key.ToArray());
                    chunk = [segment];
                    bytes = SnapshotChunk.HeaderSize + segmentBytes;
                }

                segment.Pairs++;
                bytes += pairBytes;
                DataBytes += cursor.Key.Length + cursor.Value.Length;
                PairCount++;
            }
        }

        // Always one chunk at least: it carries the catalog's next id even when there are no databases.
        _plan.Add(chunk);
        IsPlanned = true;
    }

    public void Dispose() => _read.Dispose();

    /// <summary>Part of a chunk: <see cref="Pairs"/> pairs of database <see cref="Database"/> (an index into the
    /// snapshot's list) from <see cref="FirstKey"/> on (null: from its first key).</summary>
    private sealed class PlannedSegment(int database, byte[]? firstKey)
    {
        public int Database { get; } = database;

        public byte[]? FirstKey { get; } = firstKey;

        public int Pairs { get; set; }
    }
}
