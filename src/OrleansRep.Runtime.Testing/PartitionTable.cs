namespace OrleansRep.Runtime.Testing;

/// <summary>
/// The directed links between a test cluster's silo slots that are cut. A matrix of slots × slots (so its size is
/// bounded by the cluster's), read without locks on every call each silo sends or receives, written under a lock by
/// the test. Slots, not incarnations: a cut survives a restart of either silo until the test heals it.
/// </summary>
internal sealed class PartitionTable
{
    private readonly int _slots;
    private readonly bool[] _cut;
    private readonly Lock _writing = new();
    private int _cutCount;

    public PartitionTable(int slots)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        _slots = slots;
        _cut = new bool[slots * slots];
    }

    /// <summary>True if no link is cut (the common case, checked first on every call).</summary>
    public bool IsEmpty => Volatile.Read(ref _cutCount) == 0;

    /// <summary>True if calls from slot <paramref name="from"/> to slot <paramref name="to"/> are lost.</summary>
    public bool IsCut(int from, int to) =>
        Volatile.Read(ref _cut[Index(from, to)]);

    /// <summary>Cuts or restores the link from <paramref name="from"/> to <paramref name="to"/>; returns true if it changed.</summary>
    public bool Set(int from, int to, bool cut)
    {
        lock (_writing)
        {
            int index = Index(from, to);
            if (_cut[index] == cut)
            {
                return false;
            }

            Volatile.Write(ref _cut[index], cut);
            Volatile.Write(ref _cutCount, _cutCount + (cut ? 1 : -1));
            return true;
        }
    }

    /// <summary>Restores every link.</summary>
    public void Clear()
    {
        lock (_writing)
        {
            for (int i = 0; i < _cut.Length; i++)
            {
                Volatile.Write(ref _cut[i], false);
            }

            Volatile.Write(ref _cutCount, 0);
        }
    }

    /// <summary>The cut links as "from->to" pairs, for failure messages.</summary>
    public override string ToString()
    {
        List<string> cut = [];
        for (int from = 0; from < _slots; from++)
        {
            for (int to = 0; to < _slots; to++)
            {
                if (IsCut(from, to))
                {
                    cut.Add($"{from}->{to}");
                }
            }
        }

        return cut.Count == 0 ? "no cut links" : string.Join(", ", cut);
    }

    private int Index(int from, int to)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(from, _slots);
        ArgumentOutOfRangeException.ThrowIfNegative(to);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(to, _slots);
        return (from * _slots) + to;
    }
}
