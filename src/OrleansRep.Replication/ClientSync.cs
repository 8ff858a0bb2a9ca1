using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// A client's sync with a new master (reference section 5): VERIFY_REQ walking back over PERM records to the last
/// match, truncating the diverged tail (reporting the rolled-back commits, or refusing with WOULD_ROLLBACK), ALL_REQ
/// from the match; internal init when the master no longer has the log (<see cref="InternalInitClient"/>; JOIN_FAILURE
/// with AUTOINIT off); delayed clients; the API lockout. The master's side of internal init (UPDATE_REQ, PAGE_REQ) is
/// <see cref="InitSnapshotServer"/>, reached through here.
/// <para>
/// While syncing (any <see cref="Phase"/> but <see cref="SyncPhase.Off"/>) <see cref="ClientApplier.Accepting"/> is
/// false, so live log traffic is held back, except in internal init's <see cref="SyncPhase.Log"/> stage, where the log
/// after the snapshot comes in through the applier.
/// </para>
/// <para>
/// <b>Crash mid-init.</b> A site that finds <see cref="RepPersistentState.InitSnapshotId"/> set (it crashed between
/// UPDATE and INIT_DONE) counts as <see cref="InInternalInit"/> from the start (not electable, locked out), and its
/// next <see cref="Begin"/> (or <see cref="SyncNow"/> when delayed) starts internal init over instead of verifying a
/// log that is only partly there. That check is in <see cref="StartSync"/>.
/// </para>
/// </summary>
internal sealed class ClientSync
{
    private readonly NodeContext _ctx;
    private readonly ClientApplier _applier;
    private readonly InitSnapshotServer _server;
    private readonly InternalInitClient _init;
    private readonly RequestBackoff _verifyRetry;

    /// <summary>Off, Delayed, Verify or Refused; while <see cref="_init"/> is active its stage is the phase.</summary>
    private SyncPhase _phase;

    /// <summary>The PERM record whose VERIFY is awaited.</summary>
    private Lsn _verifyLsn;

    /// <summary>A checkpoint known to lie below the verify walk (saves rescanning the log); zero if none known.</summary>
    private Lsn _checkpointBelow;

    /// <summary>Set by a step that changes data under the API (role change, truncation); cleared when the next step
    /// starts, by which time the host has carried that step's actions out.</summary>
    private bool _lockedForStep;

    public ClientSync(NodeContext ctx, ClientApplier applier)
    {
        _ctx = ctx;
        _applier = applier;
        _server = new InitSnapshotServer(ctx);
        _init = new InternalInitClient(ctx, applier);
        _verifyRetry = new RequestBackoff(NodeContext.Micros(ctx.Options.RequestGapMin), NodeContext.Micros(ctx.Options.RequestGapMax));
    }

    public SyncPhase Phase => _init.Active ? _init.Stage : _phase;

    /// <summary>Internal init is under way (or was, when this site crashed): such a site cannot be elected
    /// (Berkeley DB votes with priority 0, not electable) and <c>rep_start(MASTER)</c> must fail.</summary>
    public bool InInternalInit => _init.Active || _ctx.State.InitSnapshotId != 0;

    /// <summary>
    /// The API is locked out (Berkeley DB's <c>__env_rep_enter</c> / <c>__db_rep_enter</c>): internal init is under way,
    /// or the step just taken changes the data under the API (the truncation after verify, a role change to a new
    /// master). The host reads it after each step: while true it holds new operations (reads, proposals) until a later
    /// step leaves it false, or with <see cref="ReplicationOptions.NoWait"/> fails them at once with
    /// <see cref="OrleansRep.Replication.LockedOut"/>. The truncation's lockout lasts until the next step starts, as the
    /// host has carried the truncation out by then.
    /// </summary>
    public bool LockedOut => InInternalInit || _lockedForStep;

    /// <summary>Internal init's chunk progress (null when not fetching).</summary>
    internal InitTransfer? Transfer => _init.Transfer;

    /// <summary>The master's snapshots for internal init.</summary>
    internal InitSnapshotServer Server => _server;

    /// <summary>A new step begins: the previous step's actions have all been carried out.</summary>
    public void OnStepStart() => _lockedForStep = false;

    /// <summary>Starts syncing with the master the context names (after NEWMASTER with a new gen or master). Live log
    /// traffic is held back until sync is done; with <see cref="ReplicationOptions.DelayClient"/> the client only waits
    /// for <see cref="SyncNow"/>.</summary>
    public void Begin()
    {
        _lockedForStep = true;
        _init.Abandon();
        _applier.HeldBySync = true;
        if (_ctx.Options.DelayClient)
        {
            _phase = SyncPhase.Delayed;
            return;
        }

        StartSync();
    }

    /// <summary>Berkeley DB's rep_sync: a delayed client syncs now; a refused one tries again from the start (e.g. after
    /// the operator restored a backup). Otherwise nothing.</summary>
    public void SyncNow()
    {
        if (Phase is SyncPhase.Delayed or SyncPhase.Refused && !_ctx.IsMaster)
        {
            StartSync();
        }
    }

    /// <summary>This site became master or stopped replicating: sync is abandoned and the applier's hold lifted. The
    /// init marker stays (a site that had started internal init still needs it).</summary>
    public void Stop()
    {
        _phase = SyncPhase.Off;
        _init.Abandon();
        _applier.HeldBySync = false;
    }

    public void OnMessage(RepMessage message)
    {
        switch (message.Type)
        {
            case RepMessageType.UpdateReq:
                _server.OnUpdateRequest(message);
                return;
            case RepMessageType.PageReq:
                _server.OnChunkRequest(message);
                return;
        }

        if (_ctx.IsMaster)
        {
            return;
        }

        switch (message.Type)
        {
            case RepMessageType.Verify:
                OnVerify(message);
                break;
            case RepMessageType.VerifyFail:
                OnVerifyFail(message);
                break;
            case RepMessageType.Update:
                _init.OnUpdate(message);
                break;
            case RepMessageType.Page:
                _init.OnChunk(message);
                break;
            case RepMessageType.PageFail:
                _init.OnChunkFail(message);
                break;

            // PAGE_MORE and BULK_PAGE: this client asks for one chunk per PAGE_REQ, so they are never due.
        }
    }

    public void OnCompleted(Completed completed)
    {
        if (!_server.OnCompleted(completed))
        {
            _init.OnCompleted(completed);
        }
    }

    /// <summary>The local log is durable up to <paramref name="lsn"/>: internal init may have all its log.</summary>
    public void OnLogDurable(Lsn lsn)
    {
        _ = lsn;
        _init.OnLogDurable();
    }

    public void OnTick()
    {
        _server.OnTick();
        if (_ctx.IsMaster)
        {
            if (Phase != SyncPhase.Off)
            {
                Stop();
            }

            return;
        }

        if (_init.Active)
        {
            _init.OnTick();
        }
        else if (_phase == SyncPhase.Verify && _verifyRetry.RepeatDue(_ctx.Now))
        {
            SendToMaster(RepMessageType.VerifyReq, _verifyLsn, SendOptions.ReRequest);
        }
    }

    /// <summary>Verify from the last PERM record, or internal init when the log cannot be verified (empty, no PERM
    /// record, or left half-replaced by an interrupted init).</summary>
    private void StartSync()
    {
        _checkpointBelow = Lsn.Zero;
        var lastPerm = _ctx.Store.First.IsZero ? null : _ctx.Store.LastPermBefore(_ctx.Store.LogEnd);
        if (_ctx.State.InitSnapshotId != 0 || lastPerm == null)
        {
            StartInternalInit();
            return;
        }

        RequestVerify(lastPerm.Lsn);
    }

    private void RequestVerify(Lsn lsn)
    {
        _phase = SyncPhase.Verify;
        _verifyLsn = lsn;
        _verifyRetry.Restart(_ctx.Now);
        SendToMaster(RepMessageType.VerifyReq, lsn, SendOptions.Anywhere);
    }

    private void OnVerify(RepMessage message)
    {
        if (Phase != SyncPhase.Verify || message.Lsn != _verifyLsn)
        {
            // Late or duplicate answer to an earlier step of the walk.
            return;
        }

        // A master without a record at the LSN (this client's log runs past the master's end) answers VERIFY with no
        // record, as Berkeley DB does: a mismatch, and the walk steps back.
        var theirs = message.Payload is null ? null : message.PayloadAs<RecordPayload>().Record;
        if (theirs is not null && theirs.Lsn != message.Lsn)
        {
            throw new MalformedMessageException($"VERIFY from {message.From} for {message.Lsn} carries the record at {theirs.Lsn}");
        }

        var mine = _ctx.Store.Read(_verifyLsn);
        if (mine == null)
        {
            // The local log changed under the walk: start it again from the end.
            StartSync();
        }
        else if (theirs is not null && mine.SameBytes(theirs))
        {
            OnVerifyMatch(mine);
        }
        else
        {
            StepBack(mine);
        }
    }

    /// <summary>The record at the verify point differs: ask about the previous PERM record, unless none is left or the
    /// walk would leave the log without any checkpoint (recovery needs one, unless the log starts at file 1).</summary>
    private void StepBack(LogRecordView mismatch)
    {
        if (mismatch.Kind == RecordKind.Checkpoint && !HasCheckpointBelow(mismatch.Lsn) && _ctx.Store.First.File != 1)
        {
            StartInternalInit();
            return;
        }

        var previous = _ctx.Store.LastPermBefore(mismatch.Lsn);
        if (previous == null)
        {
            StartInternalInit();
            return;
        }

        RequestVerify(previous.Lsn);
    }

    private bool HasCheckpointBelow(Lsn lsn)
    {
        if (!_checkpointBelow.IsZero && _checkpointBelow < lsn)
        {
            return true;
        }

        for (var r = _ctx.Store.LastPermBefore(lsn); r != null; r = _ctx.Store.LastPermBefore(r.Lsn))
        {
            if (r.Kind == RecordKind.Checkpoint)
            {
                _checkpointBelow = r.Lsn;
                return true;
            }
        }

        return false;
    }

    /// <summary>Both logs hold <paramref name="match"/> (Berkeley DB's <c>__rep_verify_match</c>): cut what follows
    /// it, then ask for everything from it on.</summary>
    private void OnVerifyMatch(LogRecordView match)
    {
        var matchEnd = LogPositions.After(match);
        var commitsLost = new List<Lsn>();
        for (var r = _ctx.Store.ReadFrom(matchEnd); r != null; r = _ctx.Store.ReadFrom(LogPositions.After(r)))
        {
            if (r.Kind == RecordKind.Commit)
            {
                commitsLost.Add(r.Lsn);
            }
        }

        if (commitsLost.Count > 0 && !_ctx.Options.AutoRollback)
        {
            _phase = SyncPhase.Refused;
            _ctx.Raise(RepEventKind.WouldRollback, _ctx.Master, matchEnd, commitsLost);
            return;
        }

        if (_ctx.Store.LogEnd != matchEnd)
        {
            _lockedForStep = true;
            _ctx.Emit(new TruncateLog(matchEnd, commitsLost));
        }

        if (commitsLost.Count > 0)
        {
            _ctx.Raise(RepEventKind.RolledBack, _ctx.Master, matchEnd, commitsLost);
        }

        // The log is now a prefix of this master's log: its generation's LSN-history entry counts for votes.
        if (_ctx.State.SyncedGen != _ctx.Gen)
        {
            _ctx.Persist(s => s with { SyncedGen = _ctx.Gen });
        }

        _applier.Reset(); // clears the parked records too

        // The master starts streaming from the match at once; a gap request for the same records meanwhile would only
        // start a second stream.
        _applier.HoldOffRequests();
        _applier.HeldBySync = false;
        _phase = SyncPhase.Off;

        // From the match itself, as __rep_verify_match asks (REP_ALL_REQ with the verified LSN): the stream then always
        // has a last record marked LOG_END (at worst the match, a duplicate here), which raises STARTUPDONE even when
        // the master has nothing newer; asking from the match's end got no answer at all from an idle master.
        SendToMaster(RepMessageType.AllReq, match.Lsn, SendOptions.Anywhere);
    }

    private void OnVerifyFail(RepMessage message)
    {
        // Only a failure of what this client is waiting for starts internal init; an old or delayed VERIFY_FAIL must not.
        var relevant = Phase switch
        {
            SyncPhase.Verify => message.Lsn == _verifyLsn,
            SyncPhase.Log => _init.NeedsLogAt(message.Lsn),
            SyncPhase.Off => message.Lsn >= _applier.ReadyLsn,
            _ => false,
        };
        if (relevant)
        {
            StartInternalInit();
        }
    }

    /// <summary>Internal init, or with AUTOINIT off JOIN_FAILURE and a refused sync.</summary>
    private void StartInternalInit()
    {
        if (!_ctx.Options.AutoInit)
        {
            _init.Abandon();
            _applier.HeldBySync = true;
            _phase = SyncPhase.Refused;
            _ctx.Raise(RepEventKind.JoinFailure, _ctx.Master);
            return;
        }

        // Init's own stage is the phase from now on; Off is what remains when it is done.
        _phase = SyncPhase.Off;
        _init.Start();
    }

    /// <summary>Sends to the master; nothing when no master is known (the tick's repeat sends once there is one).</summary>
    private void SendToMaster(RepMessageType type, Lsn lsn, SendOptions flags)
    {
        if (!_ctx.Master.IsNone && _ctx.Master != _ctx.Self)
        {
            _ctx.Send(Destination.To(_ctx.Master), type, lsn, flags: flags);
        }
    }
}
