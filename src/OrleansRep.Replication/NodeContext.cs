using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// The state every part of a site's machine shares: who it is, its options, the storage it may read, the persistent
/// state as last written, the current time, and the actions of the step under way. Parts (<see cref="ClientApplier"/>,
/// <see cref="Elector"/>, ...) own their own volatile state; this holds only what they all need.
/// </summary>
internal sealed class NodeContext(SiteId self, ReplicationOptions options, IReplicaStore store, ISnapshotSource snapshots, RepPersistentState state)
{
    private readonly List<RepAction> _actions = [];
    private long _nextActionId;

    public SiteId Self { get; } = self;

    public ReplicationOptions Options { get; } = options;

    public IReplicaStore Store { get; } = store;

    public ISnapshotSource Snapshots { get; } = snapshots;

    /// <summary>The persistent state as of the last <see cref="Persist"/> (what a restart would find).</summary>
    public RepPersistentState State { get; private set; } = state;

    /// <summary>Microseconds on this site's clock, from the latest <see cref="Inputs.Tick"/>.</summary>
    public long Now { get; set; }

    public RepRole Role => State.Role;

    public uint Gen => State.Gen;

    public SiteId Master => State.Master;

    public bool IsMaster => State.Role == RepRole.Master;

    /// <summary>The gen this site would take as master now: <c>max(gen + 1, egen)</c> (<see cref="Roles.BecomeMaster"/>).</summary>
    public ulong NextMasterGen => Math.Max((ulong)Gen + 1, State.Egen);

    /// <summary>Sites in the group (this one included); at least 1.</summary>
    public int GroupSize => Math.Max(1, State.Sites.Count);

    public SiteInfo? SiteOf(SiteId id) => State.Sites.GetValueOrDefault(id);

    /// <summary>This site's priority as the group knows it (options until membership says otherwise).</summary>
    public int Priority => SiteOf(Self)?.Priority ?? Options.Priority;

    public static long Micros(TimeSpan t) => t.Ticks / TimeSpan.TicksPerMicrosecond;

    public long NextActionId() => ++_nextActionId;

    /// <summary>When this site last broadcast a message (the master's heartbeat is due after a quiet spell).</summary>
    public long LastBroadcastAt { get; private set; }

    public void Emit(RepAction action)
    {
        if (action is Send { To.IsBroadcast: true })
        {
            LastBroadcastAt = Now;
        }

        _actions.Add(action);
    }

    /// <summary>Changes the persistent state and emits the write (before anything emitted later in the step).</summary>
    public void Persist(Func<RepPersistentState, RepPersistentState> change)
    {
        var next = change(State);
        if (next == State)
        {
            return;
        }

        State = next;
        Emit(new PersistState(next));
    }

    /// <summary>A message from this site in its generation, stamped "group established" once the group has had a master
    /// (what <see cref="Send"/> sends; senders that set more of it, e.g. <see cref="RepMessage.LeaseTime"/>, emit it
    /// themselves).</summary>
    public RepMessage NewMessage(RepMessageType type, Lsn lsn, RepPayload? payload = null, RepControl control = RepControl.None)
    {
        if (State.GroupEstablished)
        {
            control |= RepControl.GroupEstablished;
        }

        return new RepMessage(type, Self, Gen, lsn, control, payload);
    }

    public void Send(Destination to, RepMessageType type, Lsn lsn, RepPayload? payload = null, RepControl control = RepControl.None, SendOptions flags = SendOptions.None) =>
        Emit(new Send(to, NewMessage(type, lsn, payload, control), flags));

    public void Raise(RepEventKind kind, SiteId site = default, Lsn lsn = default, IReadOnlyList<Lsn>? commits = null) =>
        Emit(new EmitEvent(new RepEvent(kind, Gen, site, lsn, commits)));

    /// <summary>The actions of the step, handed to the host; the list starts empty for the next step.</summary>
    public IReadOnlyList<RepAction> TakeActions()
    {
        var taken = _actions.ToArray();
        _actions.Clear();
        return taken;
    }
}
