using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;

namespace OrleansRep.Replication;

/// <summary>
/// Promotion by hand (reference section 7). PostgreSQL's standby simply takes the next timeline; here elections run
/// too, and a site that took a generation on its own could take the one an election under way is about to give another
/// site (two masters of one generation). So the promoted site takes its generation by an election in which it is
/// appointed (<see cref="Messages.VotePayload.Appointed"/>: voters rank it first), retried until it wins or the timeout
/// passes (PROMOTION_FAILED). Voters whose log is ahead of it still withhold their VOTE2 (the election rule that keeps
/// acknowledged writes): a promotion that would lose writes a majority holds fails; a handover, whose target has every
/// write, never does. Fast: the election at once, the checkpoint once master; checkpoint first: the checkpoint, then
/// the election. This class keeps the appointment; <see cref="Roles"/> starts the elections it asks for.
/// </summary>
internal sealed class Promotion(NodeContext ctx, ClientApplier applier)
{
    /// <summary>How long a promotion keeps trying to win its election when the command gives no timeout.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private readonly NodeContext _ctx = ctx;

    /// <summary>The checkpoint a checkpoint-first promotion waits for (0: none).</summary>
    private long _checkpoint;

    /// <summary>Until when (machine clock) the promotion keeps trying to win its election (0: none under way).</summary>
    private long _until;

    /// <summary>The promotion under way is fast: it checkpoints once master.</summary>
    private bool _checkpointOnceMaster;

    /// <summary>A promotion is under way: this site's votes say it is appointed (until it is master or the promotion
    /// times out), once past its checkpoint if it takes one first.</summary>
    public bool Appointed => _until != 0;

    /// <summary>This site's votes say it is appointed: a promotion is under way and past its checkpoint, if any.</summary>
    public bool VotesAppointed => Appointed && _checkpoint == 0;

    /// <summary>
    /// Starts a promotion of this client (refused with <see cref="CommandRefusedException"/>, changing nothing, when it
    /// cannot be master). True when its election is due now (fast); checkpoint first asks for the checkpoint and returns
    /// false (<see cref="OnCompleted"/> says when the election is due). A promotion already under way goes on.
    /// </summary>
    public bool Begin(PromotionMode mode, SiteId steppedDown, TimeSpan timeout)
    {
        if (_ctx.Role == RepRole.None)
        {
            throw new CommandRefusedException("cannot promote a site that has not started replication");
        }

        if (_ctx.State.InitSnapshotId != 0)
        {
            throw new CommandRefusedException("cannot promote during internal init: this site's data is incomplete");
        }

        if (_ctx.Priority == 0)
        {
            throw new CommandRefusedException("cannot promote a site of priority 0 (never master)");
        }

        if (Appointed)
        {
            return false; // the promotion under way will finish it
        }

        RefuseWhileLeaseGrantBinds(steppedDown);
        GenerationSpace.RefuseMasterPastLast(_ctx, "promote");

        _until = _ctx.Now + Math.Max(1, NodeContext.Micros(timeout <= TimeSpan.Zero ? DefaultTimeout : timeout));
        _checkpointOnceMaster = mode == PromotionMode.Fast;
        if (mode == PromotionMode.Fast)
        {
            return true;
        }

        _checkpoint = _ctx.NextActionId();
        _ctx.Emit(new Checkpoint(_checkpoint));
        return false;
    }

    /// <summary>A completed action: true when it was this promotion's checkpoint and the election is due now; a failed
    /// checkpoint, or a site that can no longer be master, ends the promotion (PROMOTION_FAILED).</summary>
    public bool OnCompleted(Completed completed)
    {
        if (completed.ActionId == 0 || completed.ActionId != _checkpoint)
        {
            return false;
        }

        _checkpoint = 0;
        if (_ctx.IsMaster || !Appointed)
        {
            return false;
        }

        if (!completed.Succeeded || _ctx.State.InitSnapshotId != 0 || _ctx.Role == RepRole.None || _ctx.NextMasterGen > GenerationSpace.Last)
        {
            Fail();
            return false;
        }

        return true;
    }

    /// <summary>A promotion that has not made this site master in time gives up: PROMOTION_FAILED (ticks).</summary>
    public void Expire()
    {
        if (Appointed && _ctx.Now >= _until)
        {
            Fail();
        }
    }

    /// <summary>This site became master: a promotion under way succeeded (PROMOTED, after MASTER), and a fast one now
    /// checkpoints, as PostgreSQL's fast promotion does after opening.</summary>
    public void OnBecameMaster()
    {
        _checkpoint = 0;
        if (!Appointed)
        {
            return;
        }

        _until = 0;
        _ctx.Raise(RepEventKind.Promoted, _ctx.Self);
        if (_checkpointOnceMaster)
        {
            _ctx.Emit(new Checkpoint(_ctx.NextActionId()));
        }
    }

    private void Fail()
    {
        _until = 0;
        _checkpoint = 0;
        _ctx.Raise(RepEventKind.PromotionFailed, _ctx.Self);
    }

    /// <summary>
    /// With master leases a lease is a majority's promise that no other master serves reads: a client promoted by hand
    /// while a grant it gave still binds could write under a master that still reads. So the promotion waits the grant
    /// out (the caller retries once <see cref="ClientApplier.LeaseHeldUntil"/> has passed), unless the master it was
    /// given to confirmed that it stepped down (<paramref name="steppedDown"/>). The other clients hold their acks and
    /// grants to the new master until their own grants to the old one expire (<see cref="ClientAcknowledger"/>), so no
    /// write commits under the new master while the old one may still read.
    /// </summary>
    private void RefuseWhileLeaseGrantBinds(SiteId steppedDown)
    {
        if (!_ctx.Options.Leases)
        {
            return;
        }

        if (!steppedDown.IsNone)
        {
            applier.VoidLeaseGrant(steppedDown);
        }

        if (applier.HoldsLeaseGrant)
        {
            throw new CommandRefusedException($"cannot promote yet: a lease grant this site gave binds it for {(applier.LeaseHeldUntil - _ctx.Now) / 1000} ms more (master leases)");
        }
    }
}
