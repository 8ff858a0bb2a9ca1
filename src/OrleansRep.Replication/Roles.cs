using System.Collections.Immutable;
using System.Diagnostics;
using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;

namespace OrleansRep.Replication;

/// <summary>
/// Role changes (reference sections 4, 5, 7): starting as client or master, becoming master (new gen, LSN history,
/// NEWMASTER), learning a new master (persist gen, NEWMASTER event once per gen, start sync), promotion by command
/// (its appointment kept by <see cref="Replication.Promotion"/>), step-down, demotion on a duplicate master.
/// </summary>
internal sealed class Roles(NodeContext ctx, ClientApplier applier, MasterLog masterLog, ClientSync sync)
{
    /// <summary>The highest gen or egen there is (<see cref="GenerationSpace.Last"/>, whose rules apply).</summary>
    public const uint MaxGeneration = GenerationSpace.Last;

    private readonly NodeContext _ctx = ctx;

    /// <summary>Gen of the last NEWMASTER event (Berkeley DB fires it once per gen; volatile there too).</summary>
    private uint _newMasterEventGen;

    /// <summary>Egen of the last ELECTED event (once per egen).</summary>
    private uint _electedEventEgen;

    /// <summary>Became master in this run of the machine (a persisted role from before a restart does not count:
    /// a restarted master takes a new gen, as Berkeley DB's in-memory role starts empty).</summary>
    private bool _masterThisRun;

    public ClientApplier Applier { get; } = applier;

    public MasterLog MasterLog { get; } = masterLog;

    public ClientSync Sync { get; } = sync;

    /// <summary>Promotion by hand: the appointment this site's votes carry while one is under way.</summary>
    public Promotion Promotion { get; } = new(ctx, applier);

    /// <summary>Set once by <see cref="ReplicationNode"/> (the elector is built on the roles).</summary>
    public Elector? Elector { get; set; }

    private Elector TheElector => Elector ?? throw new InvalidOperationException("Roles.Elector is wired by ReplicationNode");

    /// <summary>
    /// A role of master persisted before a restart, not yet started again in this run: the site must not act as
    /// master (heartbeats, answering votes, duplicate-master checks) until the host starts it; its messages and
    /// ticks are ignored by the election and role parts meanwhile.
    /// </summary>
    public bool Dormant => _ctx.IsMaster && !_masterThisRun;

    public void Start(RepStartRole role)
    {
        if (role == RepStartRole.Master && _ctx.State.InitSnapshotId != 0)
        {
            // Berkeley DB's rep_start(MASTER) fails with DB_REP_UNAVAIL here: the data is incomplete. (Checked before
            // anything is emitted: a refused command changes nothing.)
            throw new CommandRefusedException("cannot start as master during internal init");
        }

        if (role == RepStartRole.Master)
        {
            RefuseAppointedMasterUnderLeases("start as master");
            if (!(_ctx.IsMaster && _masterThisRun))
            {
                GenerationSpace.RefuseMasterPastLast(_ctx, "start as master");
            }
        }

        EnsureSelfIsMember();
        switch (role)
        {
            case RepStartRole.Client:
            case RepStartRole.Election:
                StartAsClient();
                if (role == RepStartRole.Election)
                {
                    TheElector.Start(0, 0);
                }

                break;
            case RepStartRole.Master:
                if (_ctx.IsMaster && _masterThisRun)
                {
                    // Already master in this run: no new gen, just tell the group again.
                    AnnounceMaster(_ctx.Store.LogEnd);
                    return;
                }

                BecomeMaster(electedInEgen: null);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(role), role, "unknown start role");
        }
    }

    /// <summary>
    /// Becomes master: <c>gen = max(gen + 1, egen)</c>; the gen, role, master, LSN-history entry and "group
    /// established" are persisted before NEWMASTER goes out (the action order), <c>egen = gen + 1</c>; then
    /// ELECTED (once per egen, when an election was won) and MASTER.
    /// </summary>
    /// <param name="electedInEgen">The egen of the election this site won, or null (start, promotion).</param>
    public void BecomeMaster(uint? electedInEgen)
    {
        var egen = electedInEgen ?? _ctx.State.Egen;
        var gen = Math.Max(_ctx.Gen + 1, egen);
        var start = _ctx.Store.LogEnd;
        _ctx.Persist(s => s with
        {
            Role = RepRole.Master,
            Gen = gen,
            Master = _ctx.Self,
            Egen = Math.Max(s.Egen, gen + 1),
            GroupEstablished = true,
            History = WithGeneration(s.History, new GenerationStart(gen, _ctx.Self, start)),
            SyncedGen = gen,
        });
        _masterThisRun = true;
        _newMasterEventGen = gen;
        TheElector.OnRoleSettled();
        Applier.Reset();
        MasterLog.BecameMaster();
        AnnounceMaster(start);
        if (electedInEgen is { } won && won > _electedEventEgen)
        {
            _electedEventEgen = won;
            _ctx.Raise(RepEventKind.Elected, _ctx.Self);
        }

        _ctx.Raise(RepEventKind.Master, _ctx.Self);
        Promotion.OnBecameMaster();
    }

    /// <summary>Promotion by hand (<see cref="Replication.Promotion"/>): a master is already promoted; a client starts
    /// its appointed election now (fast) or once its checkpoint completes.</summary>
    public void Promote(PromotionMode mode, SiteId steppedDown, TimeSpan timeout)
    {
        if (!_ctx.IsMaster && Promotion.Begin(mode, steppedDown, timeout))
        {
            TheElector.Start(0, 0);
        }
    }

    public void OnCompleted(Completed completed)
    {
        if (Promotion.OnCompleted(completed))
        {
            TheElector.Start(0, 0);
        }
    }

    /// <summary>StepDown: a master becomes a client with no master and waits for the next one to announce itself.</summary>
    public void StepDown()
    {
        if (_ctx.IsMaster && !Dormant)
        {
            Demote();
        }
    }

    public void OnMessage(RepMessage message)
    {
        if (Dormant)
        {
            return;
        }

        switch (message.Type)
        {
            case RepMessageType.NewMaster:
                OnNewMaster(message);
                break;
            case RepMessageType.NewClient:
                if (_ctx.IsMaster)
                {
                    // A client (re)started: tell everyone who the master is (Berkeley DB broadcasts here).
                    AnnounceMaster(_ctx.Store.LogEnd);
                }

                break;
        }
    }

    /// <summary>MASTER_REQ: a master answers the requester with NEWMASTER.</summary>
    public void OnMasterRequest(RepMessage message)
    {
        if (_ctx.IsMaster)
        {
            AnnounceMasterTo(message.From);
        }
    }

    /// <summary>
    /// Whether a message of a newer generation is taken. A client adopts the gen of ALIVE / VOTE1 / VOTE2 (and
    /// forgets its master, which is older); NEWMASTER is handled as such; a heartbeat of a newer gen makes it ask
    /// for the master. A master seeing a newer gen is out of date: duplicate master (except NEWMASTER, which it
    /// demotes for and follows).
    /// </summary>
    public bool AcceptNewerGen(RepMessage message)
    {
        Debug.Assert(message.Gen > _ctx.Gen, "only asked about newer generations");
        Debug.Assert(message.Gen <= MaxGeneration, "ReplicationNode drops generations out of range");
        if (_ctx.Role == RepRole.None || Dormant)
        {
            return false;
        }

        if (message.Type == RepMessageType.NewMaster)
        {
            return true;
        }

        if (_ctx.IsMaster)
        {
            OnDuplicateMaster(broadcast: true, electAfter: true);
            return false;
        }

        switch (message.Type)
        {
            case RepMessageType.Alive:
            case RepMessageType.Vote1:
            case RepMessageType.Vote2:
                if (!GenerationSpace.LeavesRoomForElection(message.Gen))
                {
                    // No election could follow it: adopting it would leave this site without a master for ever. A
                    // master of the last generation announces itself with NEWMASTER, which is followed.
                    return false;
                }

                _ctx.Persist(s => s with { Gen = message.Gen, Master = SiteId.None, Egen = Math.Max(s.Egen, message.Gen + 1) });
                TheElector.OnNewerGeneration();
                return true;
            case RepMessageType.Heartbeat:
                _ctx.Send(Destination.To(message.From), RepMessageType.MasterReq, _ctx.Store.LogEnd);
                return false;
            default:
                // This client missed the NEWMASTER of that gen (Berkeley DB's __rep_process_message_int: the message is
                // ignored and, gap back-off permitting, MASTER_REQ is broadcast so the master announces itself).
                // Without it a client that lost the announcement follows the old master until the next election.
                if (Applier.Gap.MayRequest())
                {
                    _ctx.Send(Destination.Broadcast, RepMessageType.MasterReq, _ctx.Store.LogEnd);
                }

                return false;
        }
    }

    /// <summary>A master that receives client-only traffic (log records, heartbeats) from another site of its own
    /// generation has found a duplicate master; false when the message must not be processed further.</summary>
    public bool CheckNotDuplicateMaster(RepMessage message)
    {
        if (!_ctx.IsMaster)
        {
            return true;
        }

        if (Dormant)
        {
            return false;
        }

        OnDuplicateMaster(broadcast: true, electAfter: true);
        return false;
    }

    /// <summary>DUPMASTER received: a master of an equal or older generation than the sender steps down.</summary>
    public void OnDupMasterMessage(RepMessage message)
    {
        if (_ctx.IsMaster && message.Gen >= _ctx.Gen)
        {
            OnDuplicateMaster(broadcast: false, electAfter: true);
        }
    }

    /// <summary>
    /// This master is one of two: broadcast DUPMASTER (not with leases: then the lease decides who is rightful),
    /// DUPMASTER event, step down to client (CLIENT event) and, with elections on and leases off, hold an election.
    /// </summary>
    private void OnDuplicateMaster(bool broadcast, bool electAfter)
    {
        Debug.Assert(_ctx.IsMaster, "only a master can be a duplicate");
        if (broadcast && !_ctx.Options.Leases)
        {
            _ctx.Send(Destination.Broadcast, RepMessageType.DupMaster, _ctx.Store.LogEnd);
        }

        _ctx.Raise(RepEventKind.DupMaster, _ctx.Self);
        Demote();
        if (electAfter && _ctx.Options.Elections && !_ctx.Options.Leases)
        {
            TheElector.Start(0, 0);
        }
    }

    private void OnNewMaster(RepMessage message)
    {
        if (_ctx.Role == RepRole.None)
        {
            return;
        }

        var payload = message.Payload as NewMasterPayload;
        if (message.Payload is not null && payload is null)
        {
            throw new MalformedMessageException($"NEWMASTER from {message.From} carries {message.Payload.GetType().Name}");
        }

        LsnHistory.Validate(payload?.Earlier, message.Gen, message.From);

        if (_ctx.IsMaster)
        {
            if (message.Gen <= _ctx.Gen)
            {
                // Two masters of one generation: neither can tell which is rightful; both step down and elect.
                OnDuplicateMaster(broadcast: true, electAfter: true);
                return;
            }

            // A newer master exists: step down (telling any equal-gen master to do so too), then follow it.
            OnDuplicateMaster(broadcast: true, electAfter: false);
        }

        if (message.Gen < _ctx.State.VotedEgen)
        {
            // This site voted in a newer election, whose winner may be master already: it follows no older master,
            // and tells this one it may be a duplicate. It steps down and an election among everyone settles who is
            // master; otherwise a healthy old master whose challenger lost would keep this site out of the group.
            if (message.Gen > _ctx.Gen)
            {
                _ctx.Persist(s => s with { Gen = message.Gen, Master = SiteId.None, Egen = Math.Max(s.Egen, message.Gen + 1) });
            }

            _ctx.Send(Destination.To(message.From), RepMessageType.DupMaster, _ctx.Store.LogEnd);
            return;
        }

        if (message.Gen == _ctx.Gen && message.From == _ctx.Master)
        {
            // The master this site follows, announcing itself again (to a voter, or a new client): it is alive, so
            // an election this site was drawn into is moot (not the one a promotion by hand holds to replace it). Its
            // LSN says whether this client still lacks log.
            if (!Promotion.Appointed && !TheElector.InAppointedElection)
            {
                TheElector.OnRoleSettled();
            }

            LearnEarlierGenerations(payload);
            Applier.OnMasterEnd(message.Lsn);
            return;
        }

        var start = payload?.GenerationStart ?? message.Lsn;
        _ctx.Persist(s => s with
        {
            Role = RepRole.Client,
            Gen = message.Gen,
            Master = message.From,
            Egen = Math.Max(s.Egen, message.Gen + 1),
            GroupEstablished = true,
            History = WithGeneration(LsnHistory.Merge(s.History, payload?.Earlier), new GenerationStart(message.Gen, message.From, start)),
        });
        var newGen = message.Gen > _newMasterEventGen;
        if (newGen)
        {
            _newMasterEventGen = message.Gen;
            _ctx.Raise(RepEventKind.NewMaster, message.From, message.Lsn);
        }

        TheElector.OnRoleSettled();
        Applier.Reset();
        if (newGen)
        {
            // Like NEWMASTER, STARTUPDONE is raised once per gen (__rep_new_master, __rep_fire_startupdone): the next
            // record applied in order that is live, or that ends the master's log, raises it. Re-adopting this gen's
            // master (after an election that changed nothing, or a restart as client) does not raise it again.
            Applier.ExpectStartup();
        }

        Sync.Begin();
        Applier.OnMasterEnd(message.Lsn);
    }

    /// <summary>The history with <paramref name="entry"/> appended, unless it already reaches that generation.</summary>
    private static ImmutableList<GenerationStart> WithGeneration(ImmutableList<GenerationStart> history, GenerationStart entry) =>
        history.Count > 0 && history[^1].Gen >= entry.Gen ? history : history.Add(entry);

    /// <summary>The master this site follows announced itself again: the LSN-history entries it sent that this site
    /// lacks are kept (a site that restarted as a client of the same generation may have missed earlier ones).</summary>
    private void LearnEarlierGenerations(NewMasterPayload? payload)
    {
        var merged = LsnHistory.Merge(_ctx.State.History, payload?.Earlier);
        if (!ReferenceEquals(merged, _ctx.State.History))
        {
            _ctx.Persist(s => s with { History = merged });
        }
    }

    private void StartAsClient()
    {
        if (_ctx.IsMaster)
        {
            MasterLog.Reset();
        }

        // The master is learned afresh: whoever answers NEWCLIENT with NEWMASTER is adopted and synced with.
        _ctx.Persist(s => s with { Role = RepRole.Client, Master = SiteId.None });
        _masterThisRun = false;
        TheElector.OnClientStarted();
        _ctx.Raise(RepEventKind.Client);
        _ctx.Send(Destination.Broadcast, RepMessageType.NewClient, _ctx.Store.LogEnd);
    }

    /// <summary>Master to client: pending proposals are answered, the master is forgotten, CLIENT event.</summary>
    private void Demote()
    {
        MasterLog.Reset();
        _ctx.Persist(s => s with { Role = RepRole.Client, Master = SiteId.None });
        _masterThisRun = false;
        TheElector.OnClientStarted();
        _ctx.Raise(RepEventKind.Client);
    }

    /// <summary>With master leases a group of more than one site gets masters only by election: a lease is a
    /// promise from a majority that no other master exists, which an appointed master cannot have (Berkeley DB's
    /// rep_start refuses too).</summary>
    private void RefuseAppointedMasterUnderLeases(string what)
    {
        if (_ctx.Options.Leases && _ctx.GroupSize > 1)
        {
            throw new CommandRefusedException($"cannot {what} with master leases in a group of {_ctx.GroupSize}: masters come only from elections");
        }
    }

    /// <summary>A fresh site knows itself, so the group size counts it (with the configured priority).</summary>
    private void EnsureSelfIsMember()
    {
        if (_ctx.SiteOf(_ctx.Self) is null)
        {
            _ctx.Persist(s => s with { Sites = s.Sites.SetItem(_ctx.Self, new SiteInfo(_ctx.Self, "", _ctx.Options.Priority)) });
        }
    }

    private void AnnounceMaster(Storage.Lsn generationStart)
    {
        _ctx.Send(Destination.Broadcast, RepMessageType.NewMaster, _ctx.Store.LogEnd, Announcement(generationStart));
    }

    /// <summary>NEWMASTER to one site: the answer to MASTER_REQ, and a master's greeting on a new connection.</summary>
    public void AnnounceMasterTo(SiteId site)
    {
        _ctx.Send(Destination.To(site), RepMessageType.NewMaster, _ctx.Store.LogEnd, Announcement(_ctx.Store.LogEnd));
    }

    private NewMasterPayload Announcement(Storage.Lsn generationStart) =>
        new(CurrentGenerationStart(generationStart), LsnHistory.EarlierThan(_ctx.State.History, _ctx.Gen));

    private Storage.Lsn CurrentGenerationStart(Storage.Lsn fallback)
    {
        var history = _ctx.State.History;
        return history.Count > 0 && history[^1].Gen == _ctx.Gen ? history[^1].Start : fallback;
    }
}
