using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// A client's acknowledgements (repmgr's <c>send_permlsn</c>) and, with master leases, its lease grants
/// (<c>__rep_update_grant</c>): the highest durable PERM LSN (<see cref="MaxPermLsn"/>) goes to the master as an
/// ack, which covers everything before it.
/// <para>
/// Acks follow the ack policy of this site's options: every site of a group is configured with the same policy (the
/// shard's), so a client knows the master's without it being advertised. No ack under NONE; none from a priority-0
/// site under the peer policies (QUORUM, ONE_PEER, ALL_PEERS), which would not count it. A lease grant echoes the
/// master's send time of the latest PERM message received from it and binds this client (no vote) for the lease
/// timeout times the clock skew from now, on its own clock.
/// </para>
/// </summary>
internal sealed class ClientAcknowledger(NodeContext ctx)
{
    private readonly NodeContext _ctx = ctx;
    private long _latestLeaseTime = -1;
    private SiteId _leaseHolder = SiteId.None;

    /// <summary>The generation the lease holder was master of when this client last granted it a lease.</summary>
    private uint _leaseHolderGen;

    /// <summary>An ack or grant was held back while a grant to another master bound this client (see
    /// <see cref="BoundToAnotherMaster"/>); it goes out at the first tick after that grant expires.</summary>
    private bool _withheld;

    /// <summary>The highest PERM LSN known durable here and acknowledged (Berkeley DB's max_perm_lsn).</summary>
    public Lsn MaxPermLsn { get; private set; }

    /// <summary>With leases: until when (this site's clock, microseconds) a lease this client granted binds it.</summary>
    public long LeaseHeldUntil { get; private set; }

    /// <summary>A PERM message from the master was received (applied, parked or duplicate): its time may be echoed.</summary>
    public void PermReceived(long masterTime)
    {
        if (masterTime > _latestLeaseTime)
        {
            _latestLeaseTime = masterTime;
        }
    }

    /// <summary>The log is durable before <paramref name="durable"/>: acknowledge the highest PERM record it covers,
    /// if that is new.</summary>
    public void Durable(Lsn durable)
    {
        if (_ctx.State.InitSnapshotId != 0)
        {
            // Mid internal init nothing is acknowledged: a crash now restarts the init clean and drops the snapshot
            // and the log taken so far, so these records are not safe here yet (seed 45031: the master counted such
            // an ack, and the write was lost when an empty-logged site won). The first durable point after the init
            // is done acknowledges them all.
            return;
        }

        var perm = _ctx.Store.LastPermBefore(durable);
        if (perm is null || perm.Lsn <= MaxPermLsn)
        {
            return;
        }

        MaxPermLsn = perm.Lsn;
        Send(_latestLeaseTime);
    }

    /// <summary>A PERM record came again: the master may have missed our ack; tell it again where we are.</summary>
    public void Repeat(long masterTime)
    {
        if (!MaxPermLsn.IsZero)
        {
            Send(masterTime);
        }
    }

    /// <summary>
    /// A heartbeat with a lease time (<paramref name="masterTime"/> &gt; 0) asks for a fresh grant, as a re-sent PERM
    /// record does in Berkeley DB: grant for the durable max PERM LSN. That includes a record this client had before its
    /// master was elected and never acknowledged to it (a new master whose shard has not been written since): the first
    /// such ack goes out here. A grant below <paramref name="masterMaxPerm"/> would not count, so none is repeated.
    /// </summary>
    public void RefreshLease(long masterTime, Lsn masterMaxPerm)
    {
        if (masterTime <= 0)
        {
            return;
        }

        PermReceived(masterTime);
        var acknowledged = MaxPermLsn;
        Durable(_ctx.Store.Durable);
        if (MaxPermLsn == acknowledged && !acknowledged.IsZero && acknowledged >= masterMaxPerm)
        {
            Repeat(masterTime);
        }
    }

    /// <summary>
    /// The process of <paramref name="peer"/> is gone (the host was refused a connection to it: nothing listens on its
    /// address). A lease granted to it can serve no read any more, so when it holds this client's grants they bind no
    /// longer and the client may vote at once, rather than wait out the lease (a killed master is replaced as fast as
    /// with leases off; a hung or cut-off one still only after its lease).
    /// </summary>
    public void VoidLeaseGrant(SiteId peer)
    {
        if (_leaseHolder == peer && !peer.IsNone)
        {
            LeaseHeldUntil = 0;
        }
    }

    /// <summary>
    /// <paramref name="peer"/> cast a vote in election generation <paramref name="egen"/>. A master never votes; a vote
    /// of an egen past the generation it held this client's grant in was cast after it stopped being that master (it
    /// stepped down, or restarted), so that grant can serve no read any more. (An older vote, delayed or reordered,
    /// proves nothing.)
    /// </summary>
    public void VoidLeaseGrantOnVote(SiteId peer, uint egen)
    {
        if (egen > _leaseHolderGen)
        {
            VoidLeaseGrant(peer);
        }
    }

    /// <summary>
    /// With leases: a grant this client gave another site still binds it, and that site may still be master and read
    /// on it (a master promoted by hand needed no vote from this client, which an elected one did). Neither an ack nor a
    /// grant goes to the present master before that grant expires: otherwise a write could commit under the new master
    /// while the old one still served reads under its lease.
    /// </summary>
    public bool BoundToAnotherMaster =>
        _ctx.Options.Leases && !_leaseHolder.IsNone && _leaseHolder != _ctx.Master && _ctx.Now < LeaseHeldUntil;

    /// <summary>Once a binding grant to another master has expired, what was held back goes out.</summary>
    public void OnTick()
    {
        if (_withheld && !BoundToAnotherMaster)
        {
            _withheld = false;
            if (!MaxPermLsn.IsZero)
            {
                Send(_latestLeaseTime);
            }
        }
    }

    /// <summary>A new master: what was acknowledged to the old one does not count with it.</summary>
    public void Reset()
    {
        MaxPermLsn = Lsn.Zero;
        _latestLeaseTime = -1;
    }

    private void Send(long leaseTime)
    {
        if (_ctx.Master.IsNone)
        {
            return;
        }

        if (BoundToAnotherMaster)
        {
            _withheld = true;
            return;
        }

        var master = Destination.To(_ctx.Master);
        if (SendsAcks)
        {
            _ctx.Send(master, RepMessageType.Ack, MaxPermLsn);
        }

        if (_ctx.Options.Leases && leaseTime >= 0)
        {
            _ctx.Send(master, RepMessageType.LeaseGrant, MaxPermLsn, new LeasePayload(leaseTime));
            var until = _ctx.Now + (long)(NodeContext.Micros(_ctx.Options.LeaseTimeout) * _ctx.Options.ClockSkew);
            LeaseHeldUntil = Math.Max(LeaseHeldUntil, until);
            _leaseHolder = _ctx.Master; // every binding grant is to it: a new master needed this client's vote
            _leaseHolderGen = _ctx.Gen;
        }
    }

    private bool SendsAcks => _ctx.Options.AckPolicy switch
    {
        AckPolicy.None => false,
        AckPolicy.Quorum or AckPolicy.OnePeer or AckPolicy.AllPeers => _ctx.Priority > 0,
        _ => true,
    };
}
