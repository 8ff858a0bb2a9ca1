using System.Globalization;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Replication.Inputs;
using OrleansRep.Runtime.Core;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Shards;

/// <summary>
/// Role changes by hand (issue 6): promotion the way PostgreSQL promotes a standby (the previous master asked to step
/// down first, the received log applied, then fast or checkpoint-first), stepping down, and handover to a caught-up
/// site with no lost writes. Also the record of the last rollback of a diverged tail, for status and the event feed.
/// </summary>
internal sealed partial class LogShardGrain
{
    /// <summary>How long a promotion waits for the previous master to confirm that it stepped down before going on
    /// without it (PostgreSQL promotes without asking the primary at all).</summary>
    private static readonly TimeSpan StepDownWait = TimeSpan.FromSeconds(1);

    /// <summary>The site a handover under way moves mastership to (writes are refused meanwhile); 0: none.</summary>
    private int _handoverTo;

    private Task<PromotionReport>? _promotion;
    private RollbackReport? _lastRollback;

    public Task<PromotionReport> Promote(PromotionMode mode, int waitMs)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "not a promotion mode");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(waitMs);
        if (_promotion is { IsCompleted: false } running)
        {
            return running; // one promotion at a time: a second request waits for the first
        }

        _promotion = PromoteAsync(mode, waitMs);
        return _promotion;
    }

    private async Task<PromotionReport> PromoteAsync(PromotionMode mode, int waitMs)
    {
        var node = Node;
        if (node.Role == RepRole.Master)
        {
            return new PromotionReport(_shard, _site, mode, node.Gen, _site, false, 0, 0, AlreadyMaster: true);
        }

        if (node.State.Sites.TryGetValue(new SiteId(_site), out var self) && self.Priority == 0)
        {
            throw new RoleChangeRefusedException(Say($"cannot promote site {_site} for shard {_shard}: its priority is 0 (never master); nothing changed"));
        }

        var deadline = Now + (waitMs * 1000L);
        var started = time.GetTimestamp();
        var previous = node.Master;
        var previousGen = node.Gen;
        var steppedDown = false;
        var stopped = started;
        if (!previous.IsNone && previous.Value != _site && await AskToStepDownAsync(previous, previousGen) is { } lastCommit)
        {
            steppedDown = true;
            stopped = time.GetTimestamp();

            // Its last commit is on its way here (sent before it stepped down): waited for, briefly, so that the voters
            // holding it do not refuse this site for lacking it. PostgreSQL's standby likewise replays all the WAL
            // that reached it; this only waits for what is in flight.
            if (!await WaitUntilAsync(() => _node is not { } n || n.ReadyLsn > lastCommit, Math.Min(deadline, Now + (long)StepDownWait.TotalMicroseconds * 2)))
            {
                // Lost on the way: nothing will bring it (the stepped-down site has no master, so it serves no request,
                // and no later record shows the gap), and the voters holding it would refuse this site's election
                // until the promotion times out, the shard without a master meanwhile. An election by log position
                // picks a site that has it instead, at once.
                var ready = Node.ReadyLsn;
                Run(new Command(new CallElection()));
                FlushIfWanted();
                throw new RoleChangeRefusedException(Say($"cannot promote site {_site} for shard {_shard}: site {previous.Value} stepped down with its last commit at {lastCommit}, which has not reached this site (its log is ready to {ready}); an election is called to pick the site with the most log"));
            }
        }

        // Everything received is applied first (a gap is asked for again meanwhile, from any site that has it).
        if (!await WaitUntilAsync(() => Node.AppliedAllReceived, deadline))
        {
            throw new RoleChangeRefusedException(Say($"cannot promote site {_site} for shard {_shard}: it has not applied the log it received within {waitMs} ms (a gap at {Node.ReadyLsn}, or a sync under way); {(steppedDown ? $"site {previous.Value} stepped down and an election will pick a master" : "nothing changed")}"));
        }

        var caughtUp = time.GetElapsedTime(stopped);
        var command = new Promote(mode, steppedDown ? previous : SiteId.None, TimeSpan.FromMicroseconds(Math.Max(1_000, deadline - Now)));
        while (true)
        {
            Run(new Tick(Now)); // the machine judges lease grants on its clock
            try
            {
                Run(new Command(command));
                break;
            }
            catch (CommandRefusedException e) when (Node.LeaseGrantBindsUntil > 0 && Node.LeaseGrantBindsUntil <= deadline)
            {
                // A lease grant to a master that did not confirm it stepped down binds this site: wait it out.
                ShardLog.PromotionWaitsForLease(_log, _shard, _site, (Node.LeaseGrantBindsUntil - Now) / 1000, e.Message);
                await Task.Delay(TimeSpan.FromMicroseconds(Math.Max(1_000, Node.LeaseGrantBindsUntil - Now + 1_000)), time);
            }
            catch (CommandRefusedException e)
            {
                throw new RoleChangeRefusedException(Say($"cannot promote site {_site} for shard {_shard}: {e.Message}"), e);
            }
        }

        FlushIfWanted();

        // The site takes its generation by an election it is appointed in (after the checkpoint, for checkpoint-first):
        // it opens for writes when it wins, or PROMOTION_FAILED says it did not in time.
        // A master that comes up meanwhile (an election won before this site's) is asked to step down too: a master
        // never votes, and the operator asked for this site.
        var failuresBefore = events.Snapshot(_shard).Count(e => e.Kind == RepEventKind.PromotionFailed && e.Site == _site);
        var asked = new HashSet<(SiteId, uint)> { (previous, previousGen) };
        while (_node is { } n && n.Role != RepRole.Master && !PromotionFailedSince(failuresBefore) && Now < deadline)
        {
            if (!n.Master.IsNone && n.Master.Value != _site && asked.Add((n.Master, n.Gen)))
            {
                await AskToStepDownAsync(n.Master, n.Gen);
                continue;
            }

            await WaitUntilAsync(() => _node is not { } m || m.Role == RepRole.Master || (!m.Master.IsNone && !asked.Contains((m.Master, m.Gen))) || PromotionFailedSince(failuresBefore), Math.Min(deadline, Now + 100_000));
        }

        if (_node?.Role != RepRole.Master)
        {
            throw new RoleChangeRefusedException(Say($"site {_site} was not promoted for shard {_shard}: {(PromotionFailedSince(failuresBefore) ? "its checkpoint failed, or it did not win the election that gives it its generation" : $"it did not win the election that gives it its generation within {waitMs} ms (a majority must vote: voters ahead of it refuse, and sites bound by a lease grant wait it out)")}; it stays a client"));
        }

        var report = new PromotionReport(_shard, _site, mode, Node.Gen, previous.Value, steppedDown, time.GetElapsedTime(stopped).TotalMilliseconds, caughtUp.TotalMilliseconds, AlreadyMaster: false);
        ShardLog.Promoted(_log, _shard, _site, mode, report.Gen, report.UnavailableMs, previous.Value, steppedDown);
        return report;
    }

    /// <summary>Asks <paramref name="master"/> (of <paramref name="gen"/>) to step down; its last commit's LSN, or null
    /// when it did not confirm (unreachable, hung, gone, or master of another generation).</summary>
    private async Task<Lsn?> AskToStepDownAsync(SiteId master, uint gen)
    {
        try
        {
            return Lsn.FromUInt64(await ShardErrors.Typed(GrainFactory.GetGrain<ILogShardGrain>(GrainKeys.Shard(_shard, master.Value)).StepDown(_site, gen)).WaitAsync(StepDownWait, time));
        }
#pragma warning disable CA1031 // Unreachable, hung or gone: PostgreSQL promotes without the primary; so does this.
        catch (Exception e)
#pragma warning restore CA1031
        {
            ShardLog.StepDownUnconfirmed(_log, _shard, _site, master.Value, e.Message);
            return null;
        }
    }

    private bool PromotionFailedSince(int failuresBefore) =>
        events.Snapshot(_shard).Count(e => e.Kind == RepEventKind.PromotionFailed && e.Site == _site) > failuresBefore;

    public Task<ulong> StepDown(int forSite, uint gen)
    {
        var node = Node;
        if (node.Role == RepRole.Master && node.Gen != gen)
        {
            // A master of another generation than the caller knows: not the one it means to replace (a late request, or
            // a newer master the caller has not heard of). Refused: the caller does not count it as stepped down.
            throw new RoleChangeRefusedException(Say($"site {_site} is shard {_shard}'s master in gen {node.Gen}, not gen {gen}: it does not step down for site {forSite}"));
        }

        var lastCommit = node.Role == RepRole.Master ? node.MaxPermLsn : Store.LastPermBefore(Store.LogEnd)?.Lsn ?? Lsn.Zero;
        if (node.Role == RepRole.Master)
        {
            ShardLog.SteppingDown(_log, _shard, _site, forSite);
            Run(new Command(new StepDown()));
            FlushIfWanted();
        }

        return Task.FromResult(lastCommit.ToUInt64());
    }

    public async Task<HandoverReport> Handover(int toSite, int waitMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(waitMs);
        var to = toSite;
        var node = Node;
        RequireMaster(node);
        if (to == _site)
        {
            return new HandoverReport(_shard, _site, to, node.Gen, 0, 0);
        }

        if (!node.State.Sites.TryGetValue(new SiteId(to), out var target))
        {
            throw new RoleChangeRefusedException(Say($"cannot hand shard {_shard} over to site {to}: not a member of its group ({string.Join(", ", node.State.Sites.Keys.Select(k => k.Value))}); nothing changed"));
        }

        if (target.Priority == 0)
        {
            throw new RoleChangeRefusedException(Say($"cannot hand shard {_shard} over to site {to}: its priority is 0 (never master); nothing changed"));
        }

        if (_handoverTo != 0)
        {
            throw new ShardUnavailableException(Say($"shard {_shard} is being handed over to site {_handoverTo}; retry shortly"));
        }

        _handoverTo = to;
        var stopped = time.GetTimestamp();
        var deadline = Now + (waitMs * 1000L);
        try
        {
            // No new writes from here on; the ones in flight commit as the target's acks come in. The target has every
            // write once it acknowledged the last PERM record and nothing is pending.
            var targetId = new SiteId(to);
            var caughtUp = await WaitUntilAsync(() => _node is { } n && n.Role == RepRole.Master && n.PendingCommits == 0 && n.AckedBy(targetId) >= n.MaxPermLsn, deadline);
            if (!caughtUp)
            {
                throw new RoleChangeRefusedException(Say($"cannot hand shard {_shard} over to site {to}: it did not acknowledge every write within {waitMs} ms (it has {Node.AckedBy(targetId)}, the master {(Node.Role == RepRole.Master ? Node.MaxPermLsn.ToString() : "stepped down")}); site {_site} takes writes again, nothing changed"));
            }

            var caughtUpMs = time.GetElapsedTime(stopped).TotalMilliseconds;
            ShardLog.SteppingDown(_log, _shard, _site, to);
            Run(new Command(new StepDown()));
            FlushIfWanted();
            var left = (int)Math.Max(1, (deadline - Now) / 1000);
            var promoted = await ShardErrors.Typed(GrainFactory.GetGrain<ILogShardGrain>(GrainKeys.Shard(_shard, to)).Promote(PromotionMode.Fast, left));
            var report = new HandoverReport(_shard, _site, to, promoted.Gen, time.GetElapsedTime(stopped).TotalMilliseconds, caughtUpMs);
            ShardLog.HandedOver(_log, _shard, _site, to, report.Gen, report.UnavailableMs);
            return report;
        }
        finally
        {
            _handoverTo = 0;
        }
    }

    /// <summary>Writes are refused while a handover is under way (the client library retries them, and finds the new
    /// master once it is announced).</summary>
    private void RefuseWritesDuringHandover()
    {
        if (_handoverTo != 0)
        {
            throw new ShardUnavailableException(Say($"shard {_shard} is being handed over from site {_site} to site {_handoverTo}; retry shortly"));
        }
    }

    /// <summary>Keeps the transactions a sync rollback undid, for status (<see cref="ReplicaStatus.LastRollback"/>) and
    /// the ROLLED_BACK event's detail.</summary>
    private string? RecordRollback(IReadOnlyList<RolledBackTransaction> undone, Lsn to)
    {
        if (undone.Count == 0)
        {
            return null;
        }

        var listed = undone.Take(RollbackReport.MaxListed).Select(t => new RolledBackCommit(t.TxnId, t.CommitLsn.ToUInt64(), t.Operations)).ToList();
        _lastRollback = new RollbackReport(time.GetUtcNow(), Node.Gen, Node.Master.Value, to.ToUInt64(), undone.Count, listed);
        var detail = string.Join(", ", undone.Take(20).Select(t => Say($"txn {t.TxnId} at {t.CommitLsn} ({t.Operations} ops)")));
        return Say($"{undone.Count} transactions rolled back to {to}: {detail}{(undone.Count > 20 ? ", ..." : "")}");
    }

    /// <summary>Waits until <paramref name="condition"/> holds (checked after every step of the machine, ticks included)
    /// or the machine's clock passes <paramref name="deadline"/>; false on the deadline.</summary>
    private async Task<bool> WaitUntilAsync(Func<bool> condition, long deadline)
    {
        while (!condition())
        {
            var left = deadline - Now;
            if (left <= 0)
            {
                return false;
            }

            try
            {
                await _progress.Task.WaitAsync(TimeSpan.FromMicroseconds(left), time);
            }
            catch (TimeoutException)
            {
                // Checked once more above.
            }
        }

        return true;
    }

    private static string Say(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
