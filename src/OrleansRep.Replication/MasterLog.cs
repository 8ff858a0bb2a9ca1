using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// The master's side of the log (reference sections 1 and 3): ships local commits as LOG / BULK_LOG and NEWFILE,
/// counts acks against the ack policy, answers proposals (committed, or PERM_FAILED after the ack timeout), and
/// with leases tracks grants.
/// </summary>
internal sealed class MasterLog(NodeContext ctx)
{
    private readonly NodeContext _ctx = ctx;

    public bool HoldsLease => false;

    public void OnLocalCommit(LocalCommit commit)
    {
        if (!_ctx.IsMaster)
        {
            _ctx.Emit(new Actions.ReplyProposal(commit.ProposalId, new NotMaster(_ctx.Master)));
        }
    }

    public void OnLocalNewFile(Lsn endOfPrevious)
    {
        _ = endOfPrevious;
    }

    public void OnAck(RepMessage message)
    {
        _ = message;
    }

    public void OnLeaseGrant(RepMessage message)
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

    /// <summary>STUB (owned by the master log): this site just became master (Roles persisted the new gen and wrote
    /// its LSN-history entry, and is about to broadcast NEWMASTER). Start with no pending proposals or acks, the
    /// max PERM LSN at the end of the local log, and lease bookkeeping fresh.</summary>
    public void BecameMaster()
    {
    }

    /// <summary>This site stopped being master: pending proposals are answered (not master) and acks forgotten.</summary>
    public void Reset()
    {
    }
}
