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

    /// <summary>
    /// Stub for the applier's owner to fill: set the gap wait (<c>wait_ts</c>) to <see cref="ReplicationOptions.RequestGapMax"/>
    /// and restart the gap timer (<c>rcvd_ts</c> = now), so the next gap request waits the longest. Sync calls it right
    /// after sending ALL_REQ from a verify match, when the master's stream is about to start and a gap request would
    /// only start a second one (Berkeley DB's <c>__rep_verify_match</c>). Reset by the next record that arrives in
    /// order, as any wait is.
    /// </summary>
    public void DeferGapRequests()
    {
    }

    public TokenStatus CheckApplied(CommitToken token)
    {
        _ = token;
        return TokenStatus.Pending;
    }
}
