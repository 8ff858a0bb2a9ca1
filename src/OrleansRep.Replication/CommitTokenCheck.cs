using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// Read-your-writes (Berkeley DB's <c>txn_applied</c> / <c>__rep_check_applied</c>): is the commit a token names
/// applied on this site, still to come, or lost in a master change? Judged against the LSN history
/// (<see cref="RepPersistentState.History"/>): the token's generation must have been under the token's master, and
/// its LSN must lie in that generation's range (from its start to the next generation's start), and a client must have
/// synced with a master of the token's generation or a later one (<see cref="RepPersistentState.SyncedGen"/>).
/// </summary>
internal static class CommitTokenCheck
{
    public static TokenStatus Check(NodeContext ctx, CommitToken token)
    {
        var history = ctx.State.History;
        GenerationStart? entry = null;
        GenerationStart? next = null;
        foreach (var g in history)
        {
            if (g.Gen == token.Gen)
            {
                entry = g;
            }
            else if (g.Gen > token.Gen && (next is null || g.Gen < next.Gen))
            {
                next = g;
            }
        }

        if (entry is null)
        {
            // Not in our history: a generation we have not reached yet may still bring it; the current one, if the
            // history lags, is judged by its master; an older one our log went past without it is lost.
            if (token.Gen > ctx.Gen)
            {
                return TokenStatus.Pending;
            }

            if (token.Gen < ctx.Gen || (!ctx.Master.IsNone && token.Master != ctx.Master))
            {
                return TokenStatus.Lost;
            }
        }
        else if (entry.Master != token.Master || token.Lsn < entry.Start || (next is not null && token.Lsn >= next.Start))
        {
            return TokenStatus.Lost;
        }

        if (!ctx.IsMaster && token.Gen > ctx.State.SyncedGen)
        {
            // This client heard of the token's generation (NEWMASTER) but has not verified its log against that
            // master's yet: past the generation's start its log may still hold another lineage's tail, so its log
            // end says nothing about the token until sync matches (and truncates that tail).
            return TokenStatus.Pending;
        }

        // A master has applied what it has logged; a client counts only what is durable here.
        var limit = ctx.IsMaster ? ctx.Store.LogEnd : ctx.Store.Durable;
        return token.Lsn < limit ? TokenStatus.Applied : TokenStatus.Pending;
    }
}
