using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;

namespace OrleansRep.Replication;

/// <summary>
/// A client's sync with a new master (reference section 5): VERIFY_REQ walking back over PERM records to the last
/// match, truncating the diverged tail (reporting the rolled-back commits, or refusing with WOULD_ROLLBACK), ALL_REQ
/// from the match; internal init when the master no longer has the log (UPDATE_REQ / UPDATE / PAGE_REQ / PAGE, a
/// crash-safe marker, INIT_DONE; JOIN_FAILURE with AUTOINIT off); delayed clients. The master's side of internal init
/// (UPDATE_REQ, PAGE_REQ) is here too.
/// </summary>
internal sealed class ClientSync(NodeContext ctx, ClientApplier applier)
{
    private readonly NodeContext _ctx = ctx;
    private readonly ClientApplier _applier = applier;

    /// <summary>Starts syncing with the master the context names (after NEWMASTER).</summary>
    public void Begin()
    {
        _ = _ctx;
        _ = _applier;
    }

    public void SyncNow()
    {
    }

    public void OnMessage(RepMessage message)
    {
        _ = message;
    }

    public void OnCompleted(Completed completed)
    {
        _ = completed;
    }

    public void OnTick()
    {
    }
}
