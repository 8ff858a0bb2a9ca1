using OrleansRep.Replication;
using OrleansRep.Storage;
using OrleansRep.Storage.Snapshot;

namespace OrleansRep.Grains.Engine;

/// <summary>
/// The master's side of internal init on the engine: the snapshots <see cref="Replication.Actions.PrepareSnapshot"/>
/// asked for, each a consistent <see cref="EnvironmentSnapshot"/> of the replica's data (a read transaction: writes go
/// on), served to the machine chunk by chunk. The snapshot is taken on the caller's turn (between commits) and planned
/// on the thread pool: planning walks every key, seconds for a gigabyte, and a master that spent them on its turn would
/// miss its heartbeats and be voted out. Bounded: at most <see cref="MaxPrepared"/> at once (a new one drops the
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

    private readonly List<Prepared> _prepared = [];

    /// <summary>Snapshots held now, planned or being planned (for tests and status).</summary>
    public int Count => _prepared.Count;

    /// <summary>Takes a snapshot of <paramref name="environment"/> as of its latest commit under
    /// <paramref name="snapshotId"/> (replacing one with the same id), and plans its chunks off the caller's thread.
    /// The task says whether planning succeeded; it never throws.</summary>
    public Task<bool> Prepare(long snapshotId, StorageEnvironment environment)
    {
        Release(snapshotId);
        while (_prepared.Count >= MaxPrepared)
        {
            _prepared[0].Dispose();
            _prepared.RemoveAt(0);
        }

        var prepared = new Prepared(snapshotId, environment.CreateSnapshot(ChunkBytes, plan: false));
        _prepared.Add(prepared);
        return prepared.Planning;
    }

    public void Release(long snapshotId)
    {
        var index = _prepared.FindIndex(p => p.Id == snapshotId);
        if (index >= 0)
        {
            _prepared[index].Dispose();
            _prepared.RemoveAt(index);
        }
    }

    public void ReleaseAll()
    {
        foreach (var prepared in _prepared)
        {
            prepared.Dispose();
        }

        _prepared.Clear();
    }

    /// <summary>-1 while the snapshot is still being planned, as for one that is gone (the machine asks only after
    /// the planning's completion).</summary>
    public int ChunkCount(long snapshotId) => FindPlanned(snapshotId)?.ChunkCount ?? -1;

    public ReadOnlyMemory<byte> ReadChunk(long snapshotId, int index) =>
        (FindPlanned(snapshotId) ?? throw new InvalidOperationException($"snapshot {snapshotId} is not prepared (released, still planning, or never was)")).ReadChunk(index);

    /// <summary>The snapshot, once its planning has succeeded (the finished task is what makes the planning thread's
    /// writes visible here).</summary>
    private EnvironmentSnapshot? FindPlanned(long snapshotId) =>
        _prepared.Find(p => p.Id == snapshotId) is { Planning.IsCompletedSuccessfully: true } p && p.Planning.Result ? p.Snapshot : null;

    public void Dispose() => ReleaseAll();

    /// <summary>One snapshot and its planning. Disposing it cancels the planning and disposes the snapshot (its read
    /// transaction) once no thread plans it any more.</summary>
    private sealed class Prepared : IDisposable
    {
        private readonly CancellationTokenSource _cancel = new();

        public Prepared(long id, EnvironmentSnapshot snapshot)
        {
            Id = id;
            Snapshot = snapshot;
            var token = _cancel.Token;
            Planning = Task.Run(() =>
            {
                try
                {
                    snapshot.Plan(token);
                    return true;
                }
#pragma warning disable CA1031 // Cancelled, or the environment closed under it: the machine's client asks again.
                catch (Exception)
#pragma warning restore CA1031
                {
                    return false;
                }
            });
        }

        public long Id { get; }

        public EnvironmentSnapshot Snapshot { get; }

        public Task<bool> Planning { get; }

        public void Dispose()
        {
            _cancel.Cancel();
            var snapshot = Snapshot;
            var cancel = _cancel;
            Planning.ContinueWith(_ => { snapshot.Dispose(); cancel.Dispose(); }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }
}
