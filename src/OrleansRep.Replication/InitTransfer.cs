using System.Diagnostics;
using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// A client's fetch of one internal-init snapshot (Berkeley DB keeps this progress in <c>__db.reppg.db</c>): which
/// chunks are still wanted, requested, being stored by the host, or stored. At most <see cref="Window"/> chunks are
/// requested or being stored at once, so neither the network nor the host's store queue grows without bound.
/// </summary>
internal sealed class InitTransfer
{
    /// <summary>Most chunks requested or being stored at one time.</summary>
    public const int Window = 8;

    /// <summary>The most chunks a snapshot may have (an UPDATE announcing more is malformed): bounds the progress
    /// table, one byte per chunk.</summary>
    public const int MaxChunks = 1 << 24;

    private readonly ChunkState[] _chunks;
    private readonly Dictionary<long, int> _storing = [];
    private readonly SortedSet<int> _requested = [];
    private readonly SortedSet<int> _wantedAgain = [];
    private int _nextNeverRequested;

    public InitTransfer(long snapshotId, int chunkCount, Lsn firstLsn, Lsn lastLsn)
    {
        Debug.Assert(snapshotId != 0 && chunkCount is >= 0 and <= MaxChunks && firstLsn <= lastLsn);
        SnapshotId = snapshotId;
        FirstLsn = firstLsn;
        LastLsn = lastLsn;
        _chunks = new ChunkState[chunkCount];
    }

    private enum ChunkState : byte
    {
        Wanted,
        Requested,
        Storing,
        Stored,
    }

    public long SnapshotId { get; }

    /// <summary>Where the log after the snapshot starts (the UPDATE's first LSN).</summary>
    public Lsn FirstLsn { get; }

    /// <summary>The master's end of log when it answered UPDATE: init is done once the local log reaches it.</summary>
    public Lsn LastLsn { get; }

    public int ChunkCount => _chunks.Length;

    public int StoredCount { get; private set; }

    public bool AllStored => StoredCount == _chunks.Length;

    /// <summary>Chunks requested and not yet received, lowest first (what a re-request repeats).</summary>
    public IReadOnlyCollection<int> Outstanding => _requested;

    /// <summary>Marks the next wanted chunks requested, up to the window, and returns them (lowest first).</summary>
    public IReadOnlyList<int> TakeRequests()
    {
        var taken = new List<int>();
        while (_requested.Count + _storing.Count < Window)
        {
            int index;
            if (_wantedAgain.Count > 0)
            {
                index = _wantedAgain.Min;
                _wantedAgain.Remove(index);
            }
            else if (_nextNeverRequested < _chunks.Length)
            {
                index = _nextNeverRequested++;
            }
            else
            {
                break;
            }

            _chunks[index] = ChunkState.Requested;
            _requested.Add(index);
            taken.Add(index);
        }

        return taken;
    }

    /// <summary>A chunk arrived: true if it was requested (it is then being stored under
    /// <paramref name="actionId"/>), false for a duplicate or a chunk not asked for.</summary>
    public bool BeginStore(int index, long actionId)
    {
        Debug.Assert(index >= 0 && index < _chunks.Length);
        if (_chunks[index] != ChunkState.Requested)
        {
            // Already stored or being stored (a duplicate), or not asked for (now): ignored; wanted chunks are
            // requested in their turn.
            return false;
        }

        _requested.Remove(index);
        _chunks[index] = ChunkState.Storing;
        _storing.Add(actionId, index);
        return true;
    }

    /// <summary>The host finished storing: false if <paramref name="actionId"/> is not one of this transfer's. A
    /// failed store makes the chunk wanted again.</summary>
    public bool EndStore(long actionId, bool succeeded)
    {
        if (!_storing.Remove(actionId, out var index))
        {
            return false;
        }

        if (succeeded)
        {
            _chunks[index] = ChunkState.Stored;
            StoredCount++;
        }
        else
        {
            _chunks[index] = ChunkState.Wanted;
            _wantedAgain.Add(index);
        }

        return true;
    }
}
