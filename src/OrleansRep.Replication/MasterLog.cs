using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// The master's side of the log (reference sections 1 and 3): ships local commits as LOG / BULK_LOG and NEWFILE,
/// counts acks against the ack policy, answers proposals (committed, or PERM_FAILED after the ack timeout), and
/// with leases tracks grants.
/// <para>
/// Reachability: the machine does not model connections, so a PERM record counts as sent to every other member of
/// the group (<c>sent = nclients</c>, <c>peers sent</c> = the electable ones, no peer missed). "Fewer reachable than
/// needed" therefore means fewer members than the policy needs (e.g. ONE with no other site, ALL_PEERS with no
/// electable one), and a down site shows as missing acks until the ack timeout.
/// </para>
/// <para>
/// A commit is answered <see cref="Committed"/> only when the ack policy is met <em>and</em> the master's own log is
/// durable past it (<see cref="LogDurable"/>). Acks that arrive in time make it durable in the group; the answer then
/// waits for the local flush even past the ack timeout. At most <see cref="ReplicationOptions.MaxPendingProposals"/>
/// commits wait; one beyond is answered at once with <see cref="AckPolicyNotMet"/> (no PERM_FAILED event: its acks
/// were simply not tracked) and the log is flushed.
/// </para>
/// </summary>
internal sealed class MasterLog(NodeContext ctx)
{
    private readonly NodeContext _ctx = ctx;
    private readonly Dictionary<SiteId, Lsn> _acks = [];
    private readonly LinkedList<PendingCommit> _pending = new();
    private readonly LeaseTable _leases = new();
    private readonly BulkBatch _bulk = new(ctx.Options.BulkBytes);
    private Lsn _durable;
    private Lsn _maxPermLsn;

    /// <summary>On the master with leases: unexpired grants from at least nsites/2 clients cover its max PERM LSN,
    /// so no other site can have been elected (reference section 6, "Master leases").</summary>
    public bool HoldsLease =>
        _ctx.IsMaster && _ctx.Options.Leases && _leases.Holds(OtherMembers().Select(s => s.Id), MaxPermLsn, _ctx.Now, _ctx.GroupSize / 2);

    /// <summary>The highest PERM record this master has shipped (from its log after a restart).</summary>
    public Lsn MaxPermLsn => _maxPermLsn.IsZero ? _ctx.Store.LastPermBefore(_ctx.Store.LogEnd)?.Lsn ?? Lsn.Zero : _maxPermLsn;

    /// <summary>Commits waiting for acks or the local flush.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>The highest LSN <paramref name="site"/> has acknowledged (zero if none).</summary>
    public Lsn AckedBy(SiteId site) => _acks.GetValueOrDefault(site);

    /// <summary>When the master counts <paramref name="site"/>'s lease grant expired (0: none).</summary>
    public long LeaseExpiryOf(SiteId site) => _leases.ExpiryOf(site);

    public void OnLocalCommit(LocalCommit commit)
    {
        if (!_ctx.IsMaster)
        {
            if (commit.ProposalId != 0)
            {
                _ctx.Emit(new ReplyProposal(commit.ProposalId, new NotMaster(_ctx.Master)));
            }

            return;
        }

        // Local input from the host, not the network: a malformed commit is a host bug and is refused loudly.
        var records = commit.Records;
        if (records.Count == 0)
        {
            throw new ArgumentException("a local commit needs at least its commit record", nameof(commit));
        }

        for (var i = 1; i < records.Count; i++)
        {
            if (records[i].Lsn <= records[i - 1].Lsn)
            {
                throw new ArgumentException($"local commit records out of order: {records[i - 1]} then {records[i]}", nameof(commit));
            }
        }

        var last = records[^1];
        if (commit.ProposalId != 0 && !last.IsPerm)
        {
            throw new ArgumentException($"a proposal ends with its commit (a PERM record), not {last}", nameof(commit));
        }

        foreach (var record in records)
        {
            Ship(record);
        }

        if (last.IsPerm)
        {
            Track(commit.ProposalId, last.Lsn, commit.Policy ?? _ctx.Options.AckPolicy);
        }
    }

    public void OnLocalNewFile(Lsn endOfPrevious)
    {
        if (!_ctx.IsMaster)
        {
            return;
        }

        // Keep the order clients see: records of the old file first, then the switch.
        FlushBulk();
        _ctx.Send(Destination.Broadcast, RepMessageType.NewFile, endOfPrevious);
    }

    /// <summary>A client's highest durable PERM LSN; covers everything before it.</summary>
    public void OnAck(RepMessage message)
    {
        if (!_ctx.IsMaster || _ctx.SiteOf(message.From) is null)
        {
            // After a demotion, or from a site outside the group: nothing to count it towards.
            return;
        }

        if (message.Lsn > _ctx.Store.LogEnd)
        {
            throw new MalformedMessageException($"ack from {message.From} for {message.Lsn}, beyond this master's log end {_ctx.Store.LogEnd}");
        }

        if (!_acks.TryGetValue(message.From, out var old) || message.Lsn > old)
        {
            _acks[message.From] = message.Lsn;
            Evaluate();
        }
    }

    public void OnLeaseGrant(RepMessage message)
    {
        if (!_ctx.IsMaster || !_ctx.Options.Leases || _ctx.SiteOf(message.From) is null)
        {
            return;
        }

        var grant = message.PayloadAs<LeasePayload>();
        if (grant.MasterTime < 0 || grant.MasterTime > _ctx.Now)
        {
            throw new MalformedMessageException($"lease grant from {message.From} echoes time {grant.MasterTime}, not a past time of this master (now {_ctx.Now})");
        }

        if (message.Lsn > _ctx.Store.LogEnd)
        {
            throw new MalformedMessageException($"lease grant from {message.From} for {message.Lsn}, beyond this master's log end");
        }

        _leases.Grant(message.From, message.Lsn, grant.MasterTime, NodeContext.Micros(_ctx.Options.LeaseTimeout), _ctx.Options.ClockSkew);
    }

    public void OnLogDurable(Lsn lsn)
    {
        if (lsn > _durable)
        {
            _durable = lsn;
        }

        if (_ctx.IsMaster)
        {
            Evaluate();
        }
    }

    public void OnTick()
    {
        if (_ctx.IsMaster && _pending.Count > 0)
        {
            Evaluate();
        }
    }

    /// <summary>This site just became master (Roles persisted the new gen and its LSN-history entry and is about to
    /// broadcast NEWMASTER): no pending proposals or acks, leases fresh, the max PERM LSN and the durable point as the
    /// local log has them.</summary>
    public void BecameMaster()
    {
        _pending.Clear();
        _acks.Clear();
        _leases.Clear();
        _bulk.Clear();
        _maxPermLsn = _ctx.Store.LastPermBefore(_ctx.Store.LogEnd)?.Lsn ?? Lsn.Zero;
        _durable = _ctx.Store.Durable;
    }

    /// <summary>This site stopped being master: pending proposals are answered and acks forgotten. A pending commit
    /// is in this site's log and may survive (or be rolled back when the site syncs), so it is answered as a PERM
    /// failure, the way Berkeley DB's commit returns with DB_EVENT_REP_PERM_FAILED: "not master" would invite the
    /// caller to write again elsewhere, and a write that does survive would then be applied twice.</summary>
    public void Reset()
    {
        foreach (var p in _pending)
        {
            Fail(p.ProposalId, p.Gen, p.CommitLsn, p.Requirement, permFailed: true);
        }

        _pending.Clear();
        _acks.Clear();
        _leases.Clear();
        _bulk.Clear();
        _maxPermLsn = Lsn.Zero;
    }

    private void Ship(LogRecordView record)
    {
        if (!_ctx.Options.Bulk || _bulk.IsOversize(record))
        {
            FlushBulk();
            SendLive(RepMessageType.Log, record.Lsn, new RecordPayload(record), record.IsPerm);
        }
        else
        {
            if (!_bulk.Fits(record))
            {
                FlushBulk();
            }

            _bulk.Add(record);
            if (record.IsPerm)
            {
                FlushBulk();
            }
        }

        if (record.IsPerm && record.Lsn > _maxPermLsn)
        {
            _maxPermLsn = record.Lsn;
        }
    }

    private void FlushBulk()
    {
        if (_bulk.IsEmpty)
        {
            return;
        }

        var perm = _bulk.HasPerm;
        var payload = _bulk.Take();
        SendLive(RepMessageType.BulkLog, payload.Records[0].Lsn, payload, perm);
    }

    private void SendLive(RepMessageType type, Lsn lsn, RepPayload payload, bool perm)
    {
        var message = _ctx.NewMessage(type, lsn, payload, perm ? RepControl.Perm : RepControl.None);
        if (perm && _ctx.Options.Leases)
        {
            message = message with { LeaseTime = _ctx.Now };
        }

        _ctx.Emit(new Send(Destination.Broadcast, message, perm ? SendOptions.Permanent : SendOptions.None));
    }

    private void Track(long proposalId, Lsn commitLsn, AckPolicy policy)
    {
        var requirement = Requirement(policy);
        if (requirement.Wait == AckWait.FailAtOnce)
        {
            Fail(proposalId, _ctx.Gen, commitLsn, requirement, permFailed: true);
            _ctx.Emit(new FlushLog());
            return;
        }

        if (_pending.Count >= _ctx.Options.MaxPendingProposals)
        {
            Fail(proposalId, _ctx.Gen, commitLsn, requirement, permFailed: false);
            _ctx.Emit(new FlushLog());
            return;
        }

        _pending.AddLast(new PendingCommit(proposalId, _ctx.Gen, commitLsn, requirement, _ctx.Now + NodeContext.Micros(_ctx.Options.AckTimeout)));
        Evaluate();
    }

    /// <summary>Answers every pending commit whose fate is decided: acks met (and locally durable) -> committed;
    /// done waiting or timed out without the acks -> PERM_FAILED, and the log is flushed once.</summary>
    private void Evaluate()
    {
        var durable = _durable > _ctx.Store.Durable ? _durable : _ctx.Store.Durable;
        var failed = false;
        for (var node = _pending.First; node is not null;)
        {
            var next = node.Next;
            var p = node.Value;
            var tally = Tally(p.CommitLsn);
            if (AckPolicyMath.IsDurable(p.Requirement, tally))
            {
                p.AcksMet = true;
            }

            var stop = AckPolicyMath.IsDone(p.Requirement, tally) || _ctx.Now >= p.Deadline;
            if (p.AcksMet && stop && durable > p.CommitLsn)
            {
                _pending.Remove(node);
                if (p.ProposalId != 0)
                {
                    _ctx.Emit(new ReplyProposal(p.ProposalId, new Committed(new CommitToken(p.Gen, _ctx.Self, p.CommitLsn))));
                }
            }
            else if (!p.AcksMet && stop)
            {
                _pending.Remove(node);
                Fail(p.ProposalId, p.Gen, p.CommitLsn, p.Requirement, permFailed: true);
                failed = true;
            }

            node = next;
        }

        if (failed)
        {
            // Berkeley DB's log_put: a PERM send that failed forces the master's log to disk.
            _ctx.Emit(new FlushLog());
        }
    }

    private void Fail(long proposalId, uint gen, Lsn commitLsn, AckRequirement requirement, bool permFailed)
    {
        if (proposalId != 0)
        {
            var tally = Tally(commitLsn);
            var peers = OtherMembers().Count(s => s.Electable);
            _ctx.Emit(new ReplyProposal(
                proposalId,
                new AckPolicyNotMet(new CommitToken(gen, _ctx.Self, commitLsn), AckPolicyMath.AcksForReport(requirement.Policy, tally), AckPolicyMath.NeededForReport(requirement, peers))));
        }

        if (permFailed)
        {
            _ctx.Raise(RepEventKind.PermFailed, lsn: commitLsn);
        }
    }

    private AckRequirement Requirement(AckPolicy policy)
    {
        int sites = 0, peers = 0;
        foreach (var s in OtherMembers())
        {
            sites++;
            if (s.Electable)
            {
                peers++;
            }
        }

        return AckPolicyMath.Require(policy, _ctx.GroupSize - 1, sites, peers, missedPeer: false, _ctx.Options.TwoSiteStrict);
    }

    private AckTally Tally(Lsn lsn)
    {
        int sites = 0, peers = 0;
        var unackedPeer = false;
        foreach (var s in OtherMembers())
        {
            if (_acks.TryGetValue(s.Id, out var acked) && acked >= lsn)
            {
                sites++;
                if (s.Electable)
                {
                    peers++;
                }
            }
            else if (s.Electable)
            {
                unackedPeer = true;
            }
        }

        return new AckTally(sites, peers, unackedPeer);
    }

    private IEnumerable<SiteInfo> OtherMembers()
    {
        foreach (var s in _ctx.State.Sites.Values)
        {
            if (s.Id != _ctx.Self)
            {
                yield return s;
            }
        }
    }
}
