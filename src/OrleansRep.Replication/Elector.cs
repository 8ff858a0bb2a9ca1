using System.Diagnostics;
using OrleansRep.Replication.Messages;

namespace OrleansRep.Replication;

/// <summary>
/// Elections (reference section 4): egen persisted before voting, VOTE1 tally and ranking, VOTE2 to the winner,
/// timeouts and retry, full elections for a group that never had a master, two-site strict mode; heartbeats (send on
/// the master, monitor on clients, MASTER_FAILURE and a fast election); ALIVE / ALIVE_REQ / MASTER_REQ; duplicate
/// masters.
/// </summary>
internal sealed class Elector(NodeContext ctx, Roles roles)
{
    private readonly NodeContext _ctx = ctx;
    private readonly Roles _roles = roles;
    private readonly Heartbeats _heartbeats = new(ctx, roles);

    /// <summary>The election under way, if any.</summary>
    private ElectionRound? _round;

    /// <summary>When a failed election is tried again (null: no retry scheduled).</summary>
    private long? _retryAt;

    /// <summary>An election asked for while this client holds a lease grant: it starts once the grant expires.</summary>
    private (int Nsites, int Nvotes, bool Fast)? _deferred;

    /// <summary>GENERATIONS_EXHAUSTED was raised in this run.</summary>
    private bool _exhaustedReported;

    /// <summary>When the round under way started (the full-election wait may shrink to the normal timeout).</summary>
    private long _roundStartedAt;

    /// <summary>The newest election generation whose VOTE1 made this client, bound by a lease grant, ask for its
    /// master (see <see cref="OnVote1"/>).</summary>
    private uint _probedForEgen;

    public bool InElection => _round is not null;

    /// <summary>The election under way would make a site promoted by hand master (its VOTE1 leads the tally): a live
    /// master announcing itself does not end it, the operator asked for it to be replaced.</summary>
    public bool InAppointedElection => _round?.Winner?.Payload.Appointed == true;

    /// <summary>The next election generation is past the last there is (<see cref="GenerationSpace"/>): this site can
    /// hold or join no election any more.</summary>
    public bool GenerationsExhausted => _ctx.State.Egen > Roles.MaxGeneration;

    /// <summary>The election generation this site votes in now: the round's, else the next one (persisted).</summary>
    public uint CurrentEgen => _round?.Egen ?? _ctx.State.Egen;

    /// <summary>Verifying against a new master: the log may end in records no master of its generation wrote, so this
    /// site votes at priority 0 (see <see cref="Vote.PayloadFor"/>). Only the verify phase for now: internal init is
    /// covered by its persisted marker, and an Update phase not yet begun has an empty log (nothing to lose).</summary>
    private bool Recovering => _roles.Sync.Phase == SyncPhase.Verify;

    /// <summary>The election under way (for tests and status).</summary>
    internal ElectionRound? Round => _round;

    /// <summary>Hold an election (CallElection, start in election mode, after a duplicate master or a failed one).
    /// nsites 0: the group size; nvotes 0: a majority (1 in a non-strict two-site group).</summary>
    public void Start(int nsites, int nvotes) => Start(nsites, nvotes, fast: false);

    public void OnMessage(RepMessage message)
    {
        if (_roles.Dormant)
        {
            return;
        }

        switch (message.Type)
        {
            case RepMessageType.Vote1:
                OnVote1(message);
                break;
            case RepMessageType.Vote2:
                OnVote2(message);
                break;
            case RepMessageType.Alive:
                OnAlive(message);
                break;
            case RepMessageType.AliveReq:
                if (_ctx.Role != RepRole.None)
                {
                    _ctx.Send(Destination.To(message.From), RepMessageType.Alive, _ctx.Store.LogEnd, new AlivePayload(CurrentEgen));
                }

                break;
            case RepMessageType.MasterReq:
                OnMasterRequest(message);
                break;
            case RepMessageType.DupMaster:
                _roles.OnDupMasterMessage(message);
                break;
            case RepMessageType.Heartbeat:
                _heartbeats.OnHeartbeat(message);
                break;
        }
    }

    public void OnTick()
    {
        if (_ctx.Role == RepRole.None || _roles.Dormant)
        {
            return;
        }

        _roles.Promotion.Expire();
        _heartbeats.SendIfQuiet();
        if (_heartbeats.DeclareMasterFailed() && _ctx.Options.Elections && _round is null)
        {
            Start(0, 0, fast: true); // the lost master will not vote
            SeekMaster(); // if the election could not start (a lease grant), try again later
        }

        StartDeferredIfFree();

        if (_round is { } round)
        {
            if (round.Full && _ctx.State.GroupEstablished)
            {
                // Learned mid-wait that the group had a master: the normal timeout applies (reference 4).
                round.EndFullWait(_roundStartedAt + NodeContext.Micros(_ctx.Options.ElectionTimeout));
            }

            if (round.Phase == 1)
            {
                EndPhase1IfDone();
            }
            else if (_ctx.Now >= round.Deadline)
            {
                Fail();
            }
        }
        else if (_retryAt is { } retryAt && _ctx.Now >= retryAt)
        {
            _retryAt = null;
            if (_ctx.Role == RepRole.Client && (_ctx.Master.IsNone || _roles.Promotion.Appointed))
            {
                Start(0, 0, fast: false);
            }
        }
    }

    /// <summary>
    /// The connection to <paramref name="peer"/> came up (<see cref="Inputs.PeerConnected"/>). A client re-announces
    /// itself to its master, or to any peer when it knows no master, with MASTER_REQ: a master answers NEWMASTER with
    /// its end of log, which makes a client behind it ask for the missing tail (<see cref="Roles"/>, NEWMASTER from
    /// the same master) even when the master writes nothing more and heartbeats are off.
    /// A master greets the peer with NEWMASTER. When a partition heals, two masters (one from each side) would
    /// otherwise never hear of each other while both are idle: the greeting of the newer-generation master makes the
    /// older one step down and follow it, equal generations are a DUPMASTER for both, and a client of the older
    /// master moves to the newer one. The older master's greeting is dropped by sites of a newer generation.
    /// </summary>
    public void OnPeerConnected(SiteId peer)
    {
        if (_ctx.IsMaster)
        {
            _roles.AnnounceMasterTo(peer);
            return;
        }

        if (_ctx.Role != RepRole.Client)
        {
            return;
        }

        if (_ctx.Master == peer || _ctx.Master.IsNone)
        {
            _ctx.Send(Destination.To(peer), RepMessageType.MasterReq, _ctx.Store.LogEnd);
        }
    }

    /// <summary>
    /// The connection to <paramref name="peer"/> was lost (<see cref="Inputs.PeerDisconnected"/>). A client that
    /// loses its master does what the heartbeat monitor does: forget it, MASTER_FAILURE, a fast election with
    /// elections on (repmgr_net.c). Anything else (a master losing a client, a client losing a client) changes
    /// nothing here.
    /// </summary>
    public void OnPeerDisconnected(SiteId peer)
    {
        if (_ctx.Role != RepRole.Client || _ctx.Master.IsNone || _ctx.Master != peer)
        {
            StartDeferredIfFree(); // the grant that held an election back may have been voided (a gone master)
            return;
        }

        _heartbeats.ForgetMaster();
        if (_ctx.Options.Elections && _round is null)
        {
            Start(0, 0, fast: true); // the lost master will not vote
            SeekMaster(); // if the election could not start (a lease grant), try again later
        }
    }

    /// <summary>An election deferred while this client held a lease grant starts once the grant binds no more.</summary>
    private void StartDeferredIfFree()
    {
        if (_deferred is { } deferred && !_roles.Applier.HoldsLeaseGrant)
        {
            _deferred = null;
            Start(deferred.Nsites, deferred.Nvotes, deferred.Fast);
        }
    }

    /// <summary>Every message that passed the generation checks (called by <see cref="ReplicationNode"/>): traffic
    /// from the master resets the heartbeat monitor; a message stamped "group established" teaches this site so.</summary>
    public void OnTraffic(RepMessage message)
    {
        _heartbeats.Heard(message);
        if (message.Has(RepControl.GroupEstablished) && !_ctx.State.GroupEstablished && _ctx.Role != RepRole.None)
        {
            _ctx.Persist(s => s with { GroupEstablished = true });
        }
    }

    /// <summary>The host made the log durable (<see cref="Inputs.LogDurable"/>): an elected site waiting for it becomes
    /// master.</summary>
    public void OnLogDurable() => WinIfElected();

    /// <summary>The roles settled (this site became master, or follows a new master): the election is over.</summary>
    public void OnRoleSettled()
    {
        EndRound();
        // A promotion by hand that another master got ahead of tries again (until it wins or times out).
        _retryAt = _roles.Promotion.Appointed && !_ctx.IsMaster ? _ctx.Now + NodeContext.Micros(_ctx.Options.ElectionTimeout) : null;
        _deferred = null;
        _heartbeats.Restart();
    }

    /// <summary>
    /// This client adopted a newer generation (from ALIVE or a vote). An election in an egen not above that
    /// generation is stale: a master already had a gen at least that high, and a winner of it could pick a gen
    /// some other master has. It is abandoned; the message that brought the generation may take this site into
    /// the newer election, else it is tried again at the next tick.
    /// </summary>
    public void OnNewerGeneration()
    {
        if (_round is { } round && round.Egen <= _ctx.Gen)
        {
            EndRound();
            if (_ctx.Options.Elections)
            {
                _retryAt = _ctx.Now;
            }
        }

        // The master this client knew is gone from its view: look for one (elect) unless one turns up first.
        SeekMaster();
    }

    /// <summary>A client that lost its master keeps holding elections, every <see
    /// cref="ReplicationOptions.ElectionRetry"/>, until a master is found (repmgr's election thread loop).</summary>
    private void SeekMaster()
    {
        if (_ctx.Options.Elections && _retryAt is null && _round is null)
        {
            _retryAt = _ctx.Now + NodeContext.Micros(_ctx.Options.ElectionRetry);
        }
    }

    /// <summary>The site (re)started as client or stepped down: the heartbeat monitor counts from now.</summary>
    public void OnClientStarted() => _heartbeats.Restart();

    private void Start(int nsites, int nvotes, bool fast)
    {
        if (_ctx.Role == RepRole.None)
        {
            throw new CommandRefusedException("start replication before calling an election");
        }

        var (sites, votes) = Size(nsites, nvotes, fast);
        if (_ctx.IsMaster)
        {
            return; // the group has a master: this one
        }

        if (_round is { } round)
        {
            round.Widen(sites, votes); // joining the election under way, as rep_elect does
            EndPhase1IfDone();
            return;
        }

        if (GenerationsExhausted)
        {
            ReportGenerationsExhausted();
            return;
        }

        if (_roles.Applier.HoldsLeaseGrant)
        {
            // A client holding a lease grant must not vote; probe for a master meanwhile (rep_elect does).
            _deferred = (nsites, nvotes, fast);
            _ctx.Send(Destination.Broadcast, RepMessageType.MasterReq, _ctx.Store.LogEnd);
            return;
        }

        BeginRound(_ctx.State.Egen, sites, votes);
    }

    private ElectionSize Size(int nsites, int nvotes, bool fast) =>
        ElectionSize.Resolve(nsites, nvotes, _ctx.GroupSize, _ctx.Options.TwoSiteStrict, fast);

    /// <summary>
    /// Votes in election generation <paramref name="egen"/>: lock out apply, persist egen + 1 before the vote goes
    /// out (a restarted site never votes twice in one egen), tally the own vote, broadcast VOTE1.
    /// </summary>
    private void BeginRound(uint egen, int nsites, int nvotes)
    {
        Debug.Assert(_round is null && egen >= _ctx.State.Egen, "one round at a time, never in a spent egen");
        var full = _ctx.Options.FullElectionTimeout > TimeSpan.Zero && !_ctx.State.GroupEstablished;
        _roundStartedAt = _ctx.Now;
        _round = new ElectionRound(egen, nsites, nvotes, full, _ctx.Now + PhaseTimeout(full));
        _retryAt = null;
        _roles.Applier.HeldByElection = true;
        _ctx.Persist(s => s with { Egen = Math.Max(s.Egen, egen + 1) });

        var vote = Vote.PayloadFor(_ctx, _round, Recovering, _roles.Promotion.VotesAppointed);
        _round.Tally(new Vote(_ctx.Self, vote));
        _ctx.Send(Destination.Broadcast, RepMessageType.Vote1, vote.LastCommit, vote);
        EndPhase1IfDone();
    }

    private long PhaseTimeout(bool full) => NodeContext.Micros(full ? _ctx.Options.FullElectionTimeout : _ctx.Options.ElectionTimeout);

    private void OnVote1(RepMessage message)
    {
        var vote = message.PayloadAs<VotePayload>();
        if (vote.Nsites < 0 || vote.Nvotes < 0 || vote.Priority < 0 || vote.Egen == 0 || vote.Egen > Roles.MaxGeneration)
        {
            throw new MalformedMessageException($"VOTE1 from {message.From} with impossible counts: {vote}");
        }

        // A site that votes is no master: once it votes past the generation this client granted it a lease in, that
        // lease can serve no read any more (a master that stepped down for a handover votes for its successor).
        _roles.Applier.VoidLeaseGrantOnVote(message.From, vote.Egen);

        if (_ctx.IsMaster)
        {
            // The group has a master: tell the voter (Berkeley DB's __rep_vote1).
            _roles.OnMasterRequest(message);
            return;
        }

        if (_ctx.Role == RepRole.None)
        {
            return;
        }

        if (vote.Egen < CurrentEgen)
        {
            // An older election: tell the voter which egen the group is in, so it catches up. A client that follows
            // a live master leaves that to the master (its NEWMASTER answers every voter): its own egen may be ahead
            // only because it left an election for the master, and an ALIVE would restart the others' election
            // one egen up, again and again.
            if (_round is not null || _ctx.Master.IsNone)
            {
                _ctx.Send(Destination.To(message.From), RepMessageType.Alive, _ctx.Store.LogEnd, new AlivePayload(CurrentEgen));
            }

            return;
        }

        var begunByThisVote = false;
        if (_round is { } current && vote.Egen > current.Egen)
        {
            begunByThisVote = true;
            // A newer election aborts this one; this site votes in the newer one, keeping its own counts.
            var (nsites, nvotes) = (current.Nsites, current.Nvotes);
            EndRound();
            BeginRound(vote.Egen, Math.Max(nsites, Math.Min(vote.Nsites, ElectionRound.MaxVoters)), Math.Max(nvotes, vote.Nvotes));
        }
        else if (_round is null)
        {
            if (_roles.Applier.HoldsLeaseGrant)
            {
                // A client holding a lease grant must not vote. Another site voting means it lost the master: ask the
                // master whether it is there (MASTER_REQ, as a deferred election does). A live one answers NEWMASTER;
                // a gone one's address refuses the host's connection, which voids the grant (PeerDisconnected with
                // ProcessGone), and this site then joins the election at once instead of after its own probe or the
                // lease. Once per election generation: voters resend their VOTE1s.
                if (vote.Egen > _probedForEgen)
                {
                    _probedForEgen = vote.Egen;
                    _ctx.Send(Destination.Broadcast, RepMessageType.MasterReq, _ctx.Store.LogEnd);
                }

                return;
            }

            if (_roles.Promotion.Appointed && !_roles.Promotion.VotesAppointed)
            {
                return; // a checkpoint-first promotion takes part once its checkpoint is done
            }

            // Not in an election: join as invitee (repmgr).
            var (nsites, nvotes) = Size(0, 0, fast: false).AsInviteeOf(vote.Nsites);
            begunByThisVote = true;
            BeginRound(vote.Egen, nsites, nvotes);
        }

        if (_round is not { } round || round.Egen != vote.Egen)
        {
            return; // the round this vote belongs to already ended (a one-site election decides at once)
        }

        round.Widen(vote.Nsites, vote.Nvotes);
        if (!begunByThisVote && !round.HasVoted(message.From) && round.MarkResent(message.From))
        {
            // A late joiner (restarted, or started after this site's broadcast) never saw this site's vote: resend
            // it, so that it can complete its tally too.
            var own = Vote.PayloadFor(_ctx, round, Recovering, _roles.Promotion.VotesAppointed);
            _ctx.Send(Destination.To(message.From), RepMessageType.Vote1, own.LastCommit, own);
        }

        if (round.Phase == 1)
        {
            // Phase 2 counts no more VOTE1s: the VOTE2 already went to the winner picked.
            round.Tally(new Vote(message.From, vote));
            EndPhase1IfDone();
        }
    }

    private void OnVote2(RepMessage message)
    {
        var vote = message.PayloadAs<VotePayload>();
        if (_ctx.IsMaster)
        {
            _roles.OnMasterRequest(message);
            return;
        }

        if (_round is not { } round || vote.Egen != round.Egen)
        {
            return; // not this election's
        }

        round.TallyVote2(message.From);
        WinIfElected();
    }

    private void OnAlive(RepMessage message)
    {
        var alive = message.PayloadAs<AlivePayload>();
        if (alive.Egen > Roles.MaxGeneration)
        {
            throw new MalformedMessageException($"ALIVE from {message.From} with egen {alive.Egen}");
        }

        if (_ctx.Role == RepRole.None || alive.Egen <= CurrentEgen)
        {
            return;
        }

        // The group has moved on to a newer election generation: this election is void; vote in the newer one.
        if (_round is { } round)
        {
            var (nsites, nvotes) = (round.Nsites, round.Nvotes);
            EndRound();
            _ctx.Persist(s => s with { Egen = Math.Max(s.Egen, alive.Egen) });
            BeginRound(alive.Egen, nsites, nvotes);
        }
        else
        {
            _ctx.Persist(s => s with { Egen = Math.Max(s.Egen, alive.Egen) });
        }
    }

    private void OnMasterRequest(RepMessage message)
    {
        if (_ctx.IsMaster)
        {
            _roles.OnMasterRequest(message);
        }
        else if (_ctx.Role == RepRole.Client && message.Gen < _ctx.Gen)
        {
            // A site of an older generation looking for a master may be stuck in an old election: an ALIVE brings it
            // to this generation and egen (Berkeley DB does the same).
            _ctx.Send(Destination.To(message.From), RepMessageType.Alive, _ctx.Store.LogEnd, new AlivePayload(CurrentEgen));
        }
    }

    private void EndPhase1IfDone()
    {
        // An appointed candidate (a promotion by hand) outranks any vote still to come: once enough have voted there is
        // nothing to wait for (a handover's unavailability would otherwise include the phase timeout).
        if (_round is not { Phase: 1 } round
            || (!round.EveryoneVoted && _ctx.Now < round.Deadline && !(round.Winner?.Payload.Appointed == true && round.Voters >= round.Nvotes)))
        {
            return;
        }

        if (round.Winner is not { } winner || round.Voters < round.Nvotes)
        {
            Fail();
            return;
        }

        if (winner.Site == _ctx.Self)
        {
            round.EnterPhase2(_ctx.Now + NodeContext.Micros(_ctx.Options.ElectionTimeout));
            round.TallyVote2(_ctx.Self);
            WinIfElected();
            return;
        }

        // A client mid-verify votes unelectable only because its tail is not verified yet; the data generations it
        // counts and the commits before its tail are sound. If the winner is behind it (an older data generation,
        // or the same one ending earlier), the winner may lack writes acknowledged in them, and this client may be
        // the only voter holding them: it withholds its VOTE2 and the election fails and is retried, instead of
        // making that site master (seeds 37, 1853).
        // Not only while verifying now: the VOTE1 this site is tallied with may be older (sent mid-verify), or sent
        // mid-init, at priority 0, and a vote that lost only for that reason must not hand the election to a site behind
        // it (Raft's voting rule). Seen on processes (orep bench catchup, 1 GB): a client holding the writes gave its
        // VOTE2 to a restarted, nearly empty site, which became master and rolled them back. A site of configured
        // priority 0 never withholds: it could block every election, and acknowledgements count on electable sites.
        var mine = Vote.PayloadFor(_ctx, round, Recovering);
        if (_ctx.Priority > 0 && (mine.DataGen > winner.Payload.DataGen || (mine.DataGen == winner.Payload.DataGen && mine.LastCommit > winner.Payload.LastCommit)))
        {
            Fail();
            return;
        }

        // Losers wait twice the timeout for the winner's NEWMASTER.
        // The vote promises the winner this site's log ends here: from now on it follows no master of an older
        // generation (see RepPersistentState.VotedEgen), its current one included, until a master of this election's
        // generation or a newer one announces itself.
        round.EnterPhase2(_ctx.Now + (2 * NodeContext.Micros(_ctx.Options.ElectionTimeout)));
        _ctx.Persist(s => s with { VotedEgen = Math.Max(s.VotedEgen, round.Egen), Master = SiteId.None });
        _ctx.Send(Destination.To(winner.Site), RepMessageType.Vote2, _ctx.Store.LogEnd, mine);
    }

    /// <summary>
    /// Elected: become master once the log this site won with is durable. The voters chose it for that log, and some
    /// of its records may be writes the old master had acknowledged (durable at the clients that acknowledged them,
    /// perhaps not yet here). A master that a crash then cut back would start its generation without them, and the
    /// voters would roll them back (seed 2626: the winner's disk was slow). The round stays open (the deadline still
    /// applies) until the host reports the log durable.
    /// </summary>
    private void WinIfElected()
    {
        if (_round is { Phase: 2 } round && round.Winner?.Site == _ctx.Self && round.Vote2Count >= round.Nvotes)
        {
            if (_ctx.Store.Durable < _ctx.Store.LogEnd)
            {
                if (!round.FlushRequested)
                {
                    round.FlushRequested = true;
                    _ctx.Emit(new Actions.FlushLog());
                }

                return;
            }

            var egen = round.Egen;
            EndRound();
            _roles.BecomeMaster(electedInEgen: egen);
        }
    }

    /// <summary>The election failed (too few voters, no electable site, or no VOTE2s / NEWMASTER in time):
    /// ELECTION_FAILED, and with elections on a retry after <see cref="ReplicationOptions.ElectionRetry"/>. A client
    /// drawn into the election while it still follows a master asks that master for its end of log (MASTER_REQ,
    /// answered by NEWMASTER): the records the master sent during the apply lockout were set aside, and an idle
    /// master would send nothing that shows the gap.</summary>
    private void Fail()
    {
        EndRound();
        _ctx.Raise(RepEventKind.ElectionFailed, _ctx.Self);
        if (_ctx.Role == RepRole.Client && !_ctx.Master.IsNone)
        {
            _ctx.Send(Destination.To(_ctx.Master), RepMessageType.MasterReq, _ctx.Store.LogEnd);
        }

        if (_roles.Promotion.Appointed)
        {
            // A promotion tries again soon (its round may have split with an election already under way).
            _retryAt = _ctx.Now + NodeContext.Micros(_ctx.Options.ElectionTimeout);
        }
        else if (_ctx.Options.Elections)
        {
            _retryAt = _ctx.Now + NodeContext.Micros(_ctx.Options.ElectionRetry);
        }
    }

    /// <summary>GENERATIONS_EXHAUSTED, once per run: an election was wanted and none can be held.</summary>
    private void ReportGenerationsExhausted()
    {
        if (!_exhaustedReported)
        {
            _exhaustedReported = true;
            _ctx.Raise(RepEventKind.GenerationsExhausted, _ctx.Self);
        }
    }

    /// <summary>Forgets the round and lets the applier take log records again.</summary>
    private void EndRound()
    {
        if (_round is null)
        {
            return;
        }

        _round = null;
        _roles.Applier.HeldByElection = false;
    }
}
