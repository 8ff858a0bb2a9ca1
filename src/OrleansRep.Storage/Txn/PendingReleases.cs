namespace OrleansRep.Storage.Txn;

/// <summary>
/// What commits released (nodes and large values that dropped out of a tree), by the version that released them,
/// until a checkpoint whose snapshot includes that version takes them: their pages become free only there, since the
/// last checkpoint on disk still uses them. Commits add, checkpoints take, from different threads.
/// </summary>
internal sealed class PendingReleases
{
    private readonly object _gate = new();
    private readonly List<(long Version, List<object> Items)> _entries = [];

    public void Add(long version, List<object> items)
    {
        lock (_gate)
        {
            _entries.Add((version, items));
        }
    }

    public void AddRange(IEnumerable<(long Version, List<object> Items)> entries)
    {
        lock (_gate)
        {
            _entries.AddRange(entries);
        }
    }

    /// <summary>Removes and returns everything released by versions up to <paramref name="version"/>.</summary>
    public List<object> TakeUpTo(long version)
    {
        List<object> taken = [];
        lock (_gate)
        {
            for (var i = _entries.Count - 1; i >= 0; i--)
            {
                if (_entries[i].Version <= version)
                {
                    taken.AddRange(_entries[i].Items);
                    _entries.RemoveAt(i);
                }
            }
        }

        return taken;
    }
}
