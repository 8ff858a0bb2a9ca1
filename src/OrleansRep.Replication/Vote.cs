using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>One site's VOTE1 as an election tallies it: who voted and what it said.</summary>
internal sealed record Vote(SiteId Site, VotePayload Payload)
{
    /// <summary>May this vote's site become master at all (electable; priority 0 only for mixed versions).</summary>
    public bool CanWin => Payload.Electable;

    /// <summary>
    /// What this site says in <paramref name="round"/>: its priority (0, and not electable, during internal init:
    /// its data is incomplete, but it still votes so the count is right; likewise while <paramref name="recovering"/>,
    /// i.e. verifying against a new master: before verify finds the common point its log may end in records no
    /// master wrote, which its LSN-history already credits to the new generation. Berkeley DB: a client in a recovery
    /// mode of any kind votes at priority 0, test rep069), the gen of its newest LSN-history entry,
    /// its last commit or checkpoint (not the end of its log), and its tiebreaker for the round's egen.
    /// </summary>
    public static VotePayload PayloadFor(NodeContext ctx, ElectionRound round, bool recovering, bool appointed = false)
    {
        var initializing = ctx.State.InitSnapshotId != 0;
        var priority = initializing || recovering ? 0 : ctx.Priority;
        var lastCommit = ctx.Store.LastPermBefore(ctx.Store.LogEnd)?.Lsn ?? Lsn.Zero;
        var dataGen = DataGen(ctx.State, ctx.Store.LogEnd);
        return new VotePayload(round.Egen, round.Nsites, round.Nvotes, priority, priority > 0, dataGen, lastCommit, VoteRanking.Tiebreaker(ctx.Self, round.Egen), round.Full, appointed && priority > 0);
    }

    /// <summary>
    /// Berkeley DB's <c>data_gen</c>: the generation of the newest LSN-history entry this site's log actually holds.
    /// An entry counts only if this site's log follows that generation's master (<see
    /// cref="RepPersistentState.SyncedGen"/>: a client that learned of a new master but has not verified against it
    /// still holds its old lineage's records) and reaches past where that generation's records start (a crash or a
    /// verify truncation may have cut them off, and a client may not have received them yet). Claiming a newer
    /// generation than the log holds would let a site without an acknowledged write outrank one with it.
    /// </summary>
    internal static uint DataGen(RepPersistentState state, Lsn logEnd)
    {
        for (var i = state.History.Count - 1; i >= 0; i--)
        {
            var entry = state.History[i];
            if (entry.Gen <= state.SyncedGen && entry.Start < logEnd)
            {
                return entry.Gen;
            }
        }

        return 0;
    }
}
