namespace OrleansRep.Storage.Txn;

/// <summary>
/// Snapshots held by registered readers (cursors, read transactions, checkpoints). The writer may cut a version
/// chain only below the oldest of them. Registering cannot race with a commit: the reader publishes its snapshot,
/// then checks that no commit happened meanwhile, and retries if one did.
/// </summary>
internal sealed class ReaderTable
{
    private readonly object _gate = new();
    private readonly Dictionary<long, int> _counts = [];
    private long _oldest = long.MaxValue;

    /// <summary>Oldest registered snapshot, or <see cref="long.MaxValue"/> when none.</summary>
    public long Oldest => Volatile.Read(ref _oldest);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _counts.Values.Sum();
            }
        }
    }

    /// <summary>Registers a snapshot of the current commit point and returns it.</summary>
    public CommitPoint Enter(Func<CommitPoint> current)
    {
        while (true)
        {
            var point = current();
            Add(point.Version);
            if (current().Version == point.Version)
            {
                return point;
            }

            Exit(point.Version);
        }
    }

    public void Exit(long version)
    {
        lock (_gate)
        {
            if (_counts.TryGetValue(version, out var n))
            {
                if (n == 1)
                {
                    _counts.Remove(version);
                    if (version == _oldest)
                    {
                        Volatile.Write(ref _oldest, _counts.Count == 0 ? long.MaxValue : _counts.Keys.Min());
                    }
                }
                else
                {
                    _counts[version] = n - 1;
                }
            }
        }
    }

    private void Add(long version)
    {
        lock (_gate)
        {
            _counts[version] = _counts.TryGetValue(version, out var n) ? n + 1 : 1;
            if (version < _oldest)
            {
                Volatile.Write(ref _oldest, version);
            }
        }
    }
}
