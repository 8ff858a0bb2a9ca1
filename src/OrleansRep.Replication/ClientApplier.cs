using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// The client apply path (reference section 2): <c>ready_lsn</c>, <c>waiting_lsn</c>, <c>max_wait_lsn</c>;
/// in-order records appended, later ones parked, earlier ones counted as duplicates; gap requests with back-off
/// (ANYWHERE first, REREQUEST after); PERM records acknowledged once durable; START_SYNC; STARTUPDONE.
/// </summary>
internal sealed class ClientApplier(NodeContext ctx)
{
    private readonly NodeContext _ctx = ctx;

    /// <summary>The next LSN this site expects (a client) or writes (a master).</summary>
    public Lsn ReadyLsn => _ctx.Store.LogEnd;

    /// <summary>False while sync (verify, internal init) or a delayed-client wait holds live log traffic back.</summary>
    public bool Accepting { get; set; } = true;

    /// <summary>STUB (owned by the applier): true while a lease this client granted the master has not expired
    /// (grant time plus the lease timeout, skew adjusted). A client holding a grant must not vote (reference 6,
    /// master leases); the elector waits until it is false.</summary>
    public bool HoldsLeaseGrant => false;

    /// <summary>STUB (owned by the applier): the master's heartbeat arrived (header LSN = the master's max PERM LSN).
    /// Re-request a gap, or the tail after <see cref="ReadyLsn"/> if the master has PERM records this client lacks,
    /// subject to the usual request back-off (repmgr clients re-request on heartbeats).</summary>
    public void OnHeartbeat(RepMessage heartbeat)
    {
        _ = heartbeat;
    }

    public void OnMessage(RepMessage message)
    {
        _ = message;
    }

    public void OnLogDurable(Lsn lsn)
    {
        _ = lsn;
    }

    public void OnTick()
    {
    }

    /// <summary>Forgets gap state and parked records (a new master, or sync reset the log).</summary>
    public void Reset()
    {
    }

    public TokenStatus CheckApplied(CommitToken token)
    {
        _ = token;
        return TokenStatus.Pending;
    }
}
