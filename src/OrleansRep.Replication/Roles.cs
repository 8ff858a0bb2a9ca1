using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;

namespace OrleansRep.Replication;

/// <summary>
/// Role changes (reference sections 4, 5, 7): starting as client or master, becoming master (new gen, LSN history,
/// NEWMASTER), learning a new master (persist gen, NEWMASTER event once per gen, start sync), promotion by command
/// (fast or checkpoint first), demotion on a duplicate master.
/// </summary>
internal sealed class Roles(NodeContext ctx, ClientApplier applier, MasterLog masterLog, ClientSync sync)
{
    private readonly NodeContext _ctx = ctx;
    private readonly ClientApplier _applier = applier;
    private readonly MasterLog _masterLog = masterLog;
    private readonly ClientSync _sync = sync;

    public void Start(RepStartRole role)
    {
        _ = _ctx;
        _ = _applier;
        _ = _masterLog;
        _ = _sync;
        _ = role;
    }

    public void Promote(PromotionMode mode)
    {
        _ = mode;
    }

    public void OnMessage(RepMessage message)
    {
        _ = message;
    }

    public void OnCompleted(Completed completed)
    {
        _ = completed;
    }

    /// <summary>Whether a message of a newer generation is taken (adopting its gen where the reference says so).</summary>
    public bool AcceptNewerGen(RepMessage message) =>
        message.Type is RepMessageType.Alive or RepMessageType.Vote1 or RepMessageType.Vote2 or RepMessageType.NewMaster;

    /// <summary>A master that receives client-only traffic from another site has found a duplicate master; false
    /// when the message must not be processed further.</summary>
    public bool CheckNotDuplicateMaster(RepMessage message)
    {
        _ = message;
        return !_ctx.IsMaster;
    }
}
