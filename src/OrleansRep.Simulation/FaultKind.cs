namespace OrleansRep.Simulation;

/// <summary>Every kind of fault the simulator injects, counted per run.</summary>
public enum FaultKind
{
    /// <summary>A message lost on the wire.</summary>
    Drop,

    /// <summary>A message delivered twice.</summary>
    Duplicate,

    /// <summary>A message held back far beyond the normal latency.</summary>
    Delay,

    /// <summary>A message sent to overtake those sent before it on its link.</summary>
    Reorder,

    /// <summary>A message lost because its link was cut when it was sent or due.</summary>
    PartitionDrop,

    /// <summary>A message lost because its link's queue was full.</summary>
    Overflow,

    /// <summary>An ANYWHERE request delivered to another client instead of the master.</summary>
    AnywhereRedirect,

    /// <summary>The sites split into two groups that cannot talk.</summary>
    Partition,

    /// <summary>One direction of one link cut.</summary>
    OneWayPartition,

    /// <summary>Every cut link restored.</summary>
    Heal,

    /// <summary>A site lost power: its undurable log and parked records are gone.</summary>
    Crash,

    /// <summary>A crashed site came back.</summary>
    Restart,

    /// <summary>A site's disk became slow (longer durability latency) for a while.</summary>
    SlowDisk,

    /// <summary>An operator asked a site to hold an election.</summary>
    CallElection,

    /// <summary>An operator handed mastership to a client that had acknowledged every commit: the master stepped down
    /// and the client was promoted (what <c>orep handover</c> does once its target caught up).</summary>
    Handover,
}

/// <summary>How many faults of each kind were injected.</summary>
public sealed class FaultCounter
{
    private readonly long[] _counts = new long[Enum.GetValues<FaultKind>().Length];

    public long this[FaultKind kind] => _counts[(int)kind];

    public long Total => _counts.Sum();

    public void Add(FaultKind kind, long n = 1) => _counts[(int)kind] += n;

    public void AddAll(FaultCounter other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }
    }

    /// <summary>Kinds with a non-zero count, in enum order.</summary>
    public IEnumerable<KeyValuePair<FaultKind, long>> NonZero() =>
        Enum.GetValues<FaultKind>().Where(k => this[k] != 0).Select(k => KeyValuePair.Create(k, this[k]));
}
