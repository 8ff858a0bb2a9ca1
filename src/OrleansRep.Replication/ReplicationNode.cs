using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// One site's replication of one group, as a pure state machine (etcd/raft style): no threads, sockets, files,
/// clocks or tasks. The host feeds <see cref="RepInput"/>s to <see cref="Step"/> one at a time and carries out the
/// returned <see cref="RepAction"/>s in order before the next step. Time is what <see cref="Tick"/>s say.
/// <para>
/// The work is split by concern: <see cref="ClientApplier"/> (client apply path, gaps, acks of PERM records),
/// <see cref="MasterLog"/> (shipping the master's log, ack policies, proposal replies), <see cref="RequestServer"/>
/// (answering log and verify requests, from master or client), <see cref="Elector"/> (elections, heartbeats,
/// duplicate masters), <see cref="Roles"/> (role changes, new masters, promotion), <see cref="ClientSync"/> (verify
/// after a new master, rollback, internal init, delayed clients) and <see cref="Membership"/>. This class only checks
/// what every message must pass (generation, malformed input) and routes.
/// </para>
/// </summary>
public sealed class ReplicationNode
{
    private readonly NodeContext _ctx;

    public ReplicationNode(SiteId self, ReplicationOptions options, IReplicaStore store, ISnapshotSource snapshots, RepPersistentState state)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(snapshots);
        ArgumentNullException.ThrowIfNull(state);
        if (self.IsNone)
        {
            throw new ArgumentException("a site needs an id", nameof(self));
        }

        options.Validate();
        _ctx = new NodeContext(self, options, store, snapshots, state);
        Applier = new ClientApplier(_ctx);
        MasterLog = new MasterLog(_ctx);
        Server = new RequestServer(_ctx, Applier);
        Membership = new Membership(_ctx);
        Sync = new ClientSync(_ctx, Applier);
        Roles = new Roles(_ctx, Applier, MasterLog, Sync);
        Elector = new Elector(_ctx, Roles);
        Roles.Elector = Elector;
    }

    public SiteId Self => _ctx.Self;

    public RepRole Role => _ctx.Role;

    public SiteId Master => _ctx.Master;

    public uint Gen => _ctx.Gen;

    public RepPersistentState State => _ctx.State;

    /// <summary>Messages dropped because they were malformed or from a stale generation.</summary>
    public long Dropped { get; private set; }

    /// <summary>Log records received that this client already had (a resent stream overlapping one under way).</summary>
    public long DuplicateRecords => Applier.Duplicates;

    /// <summary>Log, all and verify requests this site answered with data.</summary>
    public long RequestsServed => Server.Served;

    internal ClientApplier Applier { get; }

    internal MasterLog MasterLog { get; }

    internal RequestServer Server { get; }

    internal Elector Elector { get; }

    internal Roles Roles { get; }

    internal ClientSync Sync { get; }

    internal Membership Membership { get; }

    /// <summary>Processes one input; returns what the host must do, in order.</summary>
    public IReadOnlyList<RepAction> Step(RepInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Sync.OnStepStart();
        switch (input)
        {
            case Tick tick:
                _ctx.Now = Math.Max(_ctx.Now, tick.Now);
                Applier.OnTick();
                MasterLog.OnTick();
                Elector.OnTick();
                Sync.OnTick();
                break;
            case MessageReceived received:
                Receive(received.Message, received.Flags);
                break;
            case LogDurable durable:
                Applier.OnLogDurable(durable.Lsn);
                MasterLog.OnLogDurable(durable.Lsn);
                Sync.OnLogDurable(durable.Lsn);
                Elector.OnLogDurable();
                break;
            case LocalCommit commit:
                MasterLog.OnLocalCommit(commit);
                break;
            case LocalNewFile newFile:
                MasterLog.OnLocalNewFile(newFile.EndOfPrevious);
                break;
            case Completed completed:
                Roles.OnCompleted(completed);
                Sync.OnCompleted(completed);
                break;
            case PeerConnected connected:
                if (connected.Peer != _ctx.Self && !connected.Peer.IsNone)
                {
                    Elector.OnPeerConnected(connected.Peer);
                }

                break;
            case PeerDisconnected disconnected:
                if (disconnected.Peer != _ctx.Self && !disconnected.Peer.IsNone)
                {
                    if (disconnected.ProcessGone)
                    {
                        Roles.Applier.VoidLeaseGrant(disconnected.Peer);
                    }

                    Elector.OnPeerDisconnected(disconnected.Peer);
                }

                break;
            case Command command:
                try
                {
                    OnCommand(command.What);
                }
                catch (Exception e) when (e is CommandRefusedException or InvalidElectionException)
                {
                    // Refused commands check before they change anything; whatever was emitted meanwhile must not
                    // leak into the next step.
                    _ctx.TakeActions();
                    throw;
                }

                break;
            default:
                throw new ArgumentException($"unknown input {input.GetType().Name}", nameof(input));
        }

        return _ctx.TakeActions();
    }

    /// <summary>Runs <paramref name="call"/> on this node's parts as one step and returns the step's actions: for tests
    /// that drive a part whose caller is another part (e.g. <see cref="ClientSync.Begin"/>, which Roles calls).</summary>
    internal IReadOnlyList<RepAction> RunAsStep(Action<ReplicationNode> call)
    {
        Sync.OnStepStart();
        call(this);
        return _ctx.TakeActions();
    }

    private void OnCommand(RepCommand command)
    {
        switch (command)
        {
            case StartReplication start:
                Roles.Start(start.Role);
                break;
            case CallElection elect:
                if (Elector.GenerationsExhausted)
                {
                    throw new CommandRefusedException($"cannot call an election: egen {_ctx.State.Egen} is past the last generation there is ({GenerationSpace.Last})");
                }

                Elector.Start(elect.Nsites, elect.Nvotes);
                break;
            case Promote promote:
                Roles.Promote(promote.Mode, promote.SteppedDown, promote.Timeout);
                break;
            case StepDown:
                Roles.StepDown();
                break;
            case SyncNow:
                Sync.SyncNow();
                break;
            case AddSite add:
                Membership.Add(add.Site);
                break;
            case RemoveSite remove:
                Membership.Remove(remove.Site);
                break;
            case SetPriority priority:
                Membership.SetPriority(priority.Priority);
                break;
            default:
                throw new ArgumentException($"unknown command {command.GetType().Name}", nameof(command));
        }
    }

    private void Receive(RepMessage message, SendOptions flags)
    {
        if (message.From == _ctx.Self || message.From.IsNone)
        {
            Dropped++;
            return;
        }

        if (!GenerationSpace.InRange(message))
        {
            // Malformed: dropped before anything changes (a half-taken message once wedged a shard; see GenerationSpace).
            Dropped++;
            return;
        }

        // Reference section 2, "Generations": older-generation messages are dropped except the few that must get
        // through (votes, requests for a master); a newer generation is adopted only from ALIVE/VOTE1/VOTE2, and
        // NEWMASTER carries its own.
        if (message.Gen < _ctx.Gen && !message.Type.AcceptedFromOlderGen())
        {
            Dropped++;
            return;
        }

        if (message.Gen > _ctx.Gen && !Roles.AcceptNewerGen(message))
        {
            Dropped++;
            return;
        }

        try
        {
            Route(message, flags);
            Elector.OnTraffic(message);
        }
        catch (MalformedMessageException)
        {
            // Bad input from the network changes nothing and never takes the site down.
            Dropped++;
        }
    }

    private void Route(RepMessage m, SendOptions flags)
    {
        switch (m.Type)
        {
            case RepMessageType.Log:
            case RepMessageType.BulkLog:
            case RepMessageType.NewFile:
            case RepMessageType.LogMore:
            case RepMessageType.ReRequest:
            case RepMessageType.StartSync:
                if (!Roles.CheckNotDuplicateMaster(m))
                {
                    return;
                }

                Applier.OnMessage(m);
                break;
            case RepMessageType.LogReq:
            case RepMessageType.AllReq:
            case RepMessageType.VerifyReq:
                Server.OnRequest(m, flags);
                break;
            case RepMessageType.Ack:
                MasterLog.OnAck(m);
                break;
            case RepMessageType.LeaseGrant:
                MasterLog.OnLeaseGrant(m);
                break;
            case RepMessageType.Vote1:
            case RepMessageType.Vote2:
            case RepMessageType.Alive:
            case RepMessageType.AliveReq:
            case RepMessageType.MasterReq:
            case RepMessageType.DupMaster:
            case RepMessageType.Heartbeat:
                Elector.OnMessage(m);
                break;
            case RepMessageType.NewMaster:
            case RepMessageType.NewClient:
                Roles.OnMessage(m);
                break;
            case RepMessageType.Verify:
            case RepMessageType.VerifyFail:
            case RepMessageType.Update:
            case RepMessageType.UpdateReq:
            case RepMessageType.Page:
            case RepMessageType.PageMore:
            case RepMessageType.PageFail:
            case RepMessageType.PageReq:
            case RepMessageType.BulkPage:
                Sync.OnMessage(m);
                break;
            case RepMessageType.JoinRequest:
            case RepMessageType.Membership:
            case RepMessageType.RemoveRequest:
            case RepMessageType.NewSite:
                Membership.OnMessage(m);
                break;
            default:
                // FILE / FILE_REQ / FILE_FAIL are unused in 5.3 as here.
                Dropped++;
                break;
        }
    }

    /// <summary>Read-your-writes on this site: has the commit of <paramref name="token"/> been applied here?</summary>
    public TokenStatus CheckApplied(CommitToken token) => Applier.CheckApplied(token);

    /// <summary>On the master with leases: may it serve a linearizable read now?</summary>
    public bool HoldsLease => MasterLog.HoldsLease;

    /// <summary>
    /// The API is locked out: a role change or the truncation after verify was just done (until the next step), or
    /// internal init is under way. Read after each step; while true the host holds new operations, or under
    /// <see cref="ReplicationOptions.NoWait"/> fails them at once with <see cref="OrleansRep.Replication.LockedOut"/>
    /// (Berkeley DB's DB_REP_LOCKOUT). See <see cref="ClientSync.LockedOut"/>.
    /// </summary>
    public bool LockedOut => Sync.LockedOut;

    /// <summary>Internal init is under way here (or was when the site crashed): the site cannot be elected.</summary>
    public bool InInternalInit => Sync.InInternalInit;

    /// <summary>A client whose sync with its master is not done: held by <see cref="ReplicationOptions.DelayClient"/>
    /// until <see cref="Inputs.SyncNow"/>, verifying, in internal init, or refused. Its data may be behind the group's,
    /// and a read waiting for a commit may wait for a sync that has not started (the host refuses such reads at once
    /// under <see cref="ReplicationOptions.NoWait"/>).</summary>
    public bool Syncing => _ctx.Role == RepRole.Client && Sync.Phase != SyncPhase.Off;

    /// <summary>Where this site's log continues (the next LSN it expects or writes).</summary>
    public Lsn ReadyLsn => Applier.ReadyLsn;

    /// <summary>
    /// A client has applied all the log it has received: no gap holds records back (none parked past a missing one),
    /// and no sync with a master is half done (verify or internal init). What a promotion waits for, as PostgreSQL
    /// replays all the WAL it has before it promotes. Always true on a master.
    /// </summary>
    public bool AppliedAllReceived =>
        _ctx.Role != RepRole.Client || (Applier.WaitingLsn.IsZero && !Sync.LockedOut && Sync.Phase is SyncPhase.Off or SyncPhase.Delayed or SyncPhase.Refused);

    /// <summary>With master leases, until when (microseconds, the machine's clock) a lease grant this client gave binds
    /// it (a promotion waits for it, unless the master it was given to stepped down); 0: none.</summary>
    public long LeaseGrantBindsUntil => Applier.HoldsLeaseGrant ? Applier.LeaseHeldUntil : 0;

    /// <summary>On the master: writes proposed and not yet answered (acks awaited).</summary>
    public int PendingCommits => MasterLog.PendingCount;

    /// <summary>On the master: the highest PERM LSN <paramref name="site"/> acknowledged in this generation.</summary>
    public Lsn AckedBy(SiteId site) => MasterLog.AckedBy(site);

    /// <summary>On the master: the last PERM record of its log (what a client must have acknowledged to hold every commit).</summary>
    public Lsn MaxPermLsn => MasterLog.MaxPermLsn;
}
