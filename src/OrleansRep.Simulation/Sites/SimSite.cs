using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Storage;

namespace OrleansRep.Simulation.Sites;

/// <summary>
/// One simulated site: a <see cref="ReplicationNode"/> on a <see cref="MemoryReplicaStore"/>, with its own clock, a
/// disk with a latency, and the host's bookkeeping of work in progress (a group-commit flush, completions). It
/// carries out the storage actions of a step at once (<see cref="MemoryReplicaStore.Carry"/>), except
/// <see cref="FlushLog"/>: durability comes later, when the simulated disk finishes (<see cref="Cluster.SimCluster"/>
/// schedules it). A crash loses what was not durable and every volatile thing; a restart rebuilds the node from the
/// persistent state the store kept.
/// </summary>
public sealed class SimSite : ISiteView
{
    private ReplicationNode _node;
    private long _nextLocalTick;

    public SimSite(SiteId id, ReplicationOptions options, RepPersistentState provisioned, SimClock clock, long tickInterval, long diskLatency)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(provisioned);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfLessThan(tickInterval, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(diskLatency);
        Id = id;
        Options = options;
        Clock = clock;
        TickInterval = tickInterval;
        DiskLatency = diskLatency;

        // Installing a site writes its group configuration before anything runs: the first incarnation finds it in
        // the store like any later one.
        Store.Carry([new PersistState(provisioned)]);
        _node = NewNode();
        _nextLocalTick = clock.LocalAt(0) + tickInterval;
    }

    public SiteId Id { get; }

    public ReplicationOptions Options { get; }

    public MemoryReplicaStore Store { get; } = new();

    IReplicaStore ISiteView.Store => Store;

    public SimSnapshotSource Snapshots { get; } = new();

    public SimClock Clock { get; }

    public long TickInterval { get; }

    /// <summary>How long a flush or a checkpoint takes on this disk (before slow-disk faults).</summary>
    public long DiskLatency { get; set; }

    /// <summary>While simulated time is before this, the disk is <see cref="SlowFactor"/> times slower.</summary>
    public long SlowUntil { get; set; }

    public int SlowFactor { get; set; } = 1;

    public bool IsUp { get; private set; } = true;

    public int Incarnation { get; private set; }

    public ReplicationNode Node => _node;

    public RepRole Role => _node.Role;

    public uint Gen => _node.Gen;

    public uint Egen => _node.State.Egen;

    public SiteId Master => _node.Master;

    public bool HoldsLease => IsUp && _node.HoldsLease;

    public TokenStatus CheckApplied(CommitToken token) => _node.CheckApplied(token);

    /// <summary>A flush is under way (group commit: later requests ride on the next one).</summary>
    public bool FlushInProgress { get; private set; }

    /// <summary>Another flush was asked for while one was under way.</summary>
    public bool FlushAgain { get; private set; }

    /// <summary>Where the flush under way will make the log durable to.</summary>
    public Lsn FlushTarget { get; private set; }

    /// <summary>How many events are kept per site (the newest).</summary>
    public const int MaxEventsKept = 1_000;

    private readonly Queue<(long Time, RepEvent Event)> _events = new();

    /// <summary>The newest events this site raised (all incarnations), with the simulated time of each.</summary>
    public IReadOnlyCollection<(long Time, RepEvent Event)> Events => _events;

    /// <summary>Records an event the site raised at simulated time <paramref name="time"/>.</summary>
    public void RecordEvent(long time, RepEvent e)
    {
        if (_events.Count == MaxEventsKept)
        {
            _events.Dequeue();
        }

        _events.Enqueue((time, e));
    }

    /// <summary>Chunks of internal init stored so far (bounded by the snapshot's chunk count).</summary>
    public Dictionary<(long Snapshot, int Index), ReadOnlyMemory<byte>> StoredChunks { get; } = [];

    /// <summary>The local time at which this site's next tick is due.</summary>
    public long NextLocalTick => _nextLocalTick;

    /// <summary>The simulated time of the next tick.</summary>
    public long NextTickAt => Clock.SimAt(_nextLocalTick);

    /// <summary>The disk latency now (slow-disk faults included).</summary>
    public long CurrentDiskLatency(long simNow) => simNow < SlowUntil ? DiskLatency * SlowFactor : DiskLatency;

    /// <summary>Steps the node and carries out its storage actions (all but <see cref="FlushLog"/>); returns every
    /// action for the host to do the rest.</summary>
    public IReadOnlyList<RepAction> Step(RepInput input)
    {
        if (!IsUp)
        {
            throw new InvalidOperationException($"{Id} is down");
        }

        var actions = _node.Step(input);
        var cutBack = false;
        var storage = new List<RepAction>(actions.Count);
        foreach (var a in actions)
        {
            switch (a)
            {
                case FlushLog:
                    break;
                case TruncateLog or BeginInternalInit:
                    cutBack = true;
                    storage.Add(a);
                    break;
                default:
                    storage.Add(a);
                    break;
            }
        }

        Store.Carry(storage);
        if (cutBack && FlushTarget > Store.LogEnd)
        {
            // The flush under way can make durable only what is still there.
            FlushTarget = Store.LogEnd;
        }

        return actions;
    }

    /// <summary>Takes the tick due now and schedules the next one; returns the tick input (local time).</summary>
    public Tick TakeTick()
    {
        var tick = new Tick(_nextLocalTick);
        _nextLocalTick += TickInterval;
        return tick;
    }

    /// <summary>Asks for the log to become durable; true when a new flush must be scheduled (none was under way).</summary>
    public bool RequestFlush()
    {
        if (FlushInProgress)
        {
            FlushAgain = true;
            return false;
        }

        FlushInProgress = true;
        FlushTarget = Store.LogEnd;
        return true;
    }

    /// <summary>The flush finished: the log is durable to its target. Returns whether another flush must start.</summary>
    public bool FinishFlush()
    {
        Store.MakeDurable(FlushTarget);
        FlushInProgress = false;
        if (FlushAgain)
        {
            FlushAgain = false;
            return RequestFlush();
        }

        return false;
    }

    /// <summary>Power loss: the log after the durable point, parked records, snapshots, chunks and work in progress are
    /// gone.</summary>
    public void Crash()
    {
        if (!IsUp)
        {
            return;
        }

        Store.Crash();
        Snapshots.Clear();
        StoredChunks.Clear();
        FlushInProgress = false;
        FlushAgain = false;
        IsUp = false;
        Incarnation++;
    }

    /// <summary>Brings a crashed site back: a new node from the persistent state its store kept, ticking from the
    /// clock's time at <paramref name="simNow"/>.</summary>
    public void Restart(long simNow)
    {
        if (IsUp)
        {
            throw new InvalidOperationException($"{Id} is not down");
        }

        _node = NewNode();
        IsUp = true;
        _nextLocalTick = Clock.LocalAt(simNow) + TickInterval;
    }

    /// <summary>Tests only: builds a new node from the store's persisted state (e.g. one written by hand).</summary>
    internal void Rebuild() => _node = NewNode();

    private ReplicationNode NewNode() => new(Id, Options, Store, Snapshots, Store.State);
}
