using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// A client's sync with a new master (reference section 5): VERIFY_REQ walking back over PERM records to the last
/// match, truncating the diverged tail (reporting the rolled-back commits, or refusing with WOULD_ROLLBACK), ALL_REQ
/// from the match; internal init when the master no longer has the log (UPDATE_REQ / UPDATE / PAGE_REQ / PAGE, a
/// crash-safe marker, INIT_DONE; JOIN_FAILURE with AUTOINIT off); delayed clients. The master's side of internal init
/// (UPDATE_REQ, PAGE_REQ) is <see cref="InitSnapshotServer"/>, reached through here.
/// <para>
/// While syncing (any <see cref="Phase"/> but <see cref="SyncPhase.Off"/>) <see cref="ClientApplier.Accepting"/> is
/// false, so live log traffic is held back, except in <see cref="SyncPhase.Log"/>, where the log after the snapshot
/// comes in through the applier.
/// </para>
/// <para>
/// <b>Crash mid-init.</b> The marker <see cref="RepPersistentState.InitSnapshotId"/> is persisted before
/// <see cref="BeginInternalInit"/> and cleared after <see cref="FinishInternalInit"/>. A site that finds it set
/// (restarted mid-init) counts as <see cref="InInternalInit"/> from the start (not electable, locked out), and its next
/// <see cref="Begin"/> (or <see cref="SyncNow"/> when delayed) starts internal init over instead of verifying a log
/// that is only partly there.
/// </para>
/// </summary>
internal sealed class ClientSync
{
    private readonly NodeContext _ctx;
    private readonly ClientApplier _applier;
    private readonly InitSnapshotServer _server;
    private readonly RequestBackoff _retry;

    /// <summary>The PERM record whose VERIFY is awaited.</summary>
    private Lsn _verifyLsn;

    /// <summary>The lowest LSN known to have a checkpoint below the verify walk (saves rescanning the log).</summary>
    private Lsn _checkpointBelow;

    /// <summary>Internal init must start over at the next sync (the log and data are partly replaced).</summary>
    private bool _initInterrupted;

    /// <summary>The next UPDATE_REQ asks again for the same init attempt.</summary>
    private bool _updateRequested;

    private InitTransfer? _transfer;

    /// <summary>The local log end when the LOG phase last saw progress.</summary>
    private Lsn _logProgress;

    /// <summary>Set by a step that changes data under the API (role change, truncation); cleared when the next step
    /// starts, by which time the host has carried that step's actions out.</summary>
    private bool _lockedForStep;

    public ClientSync(NodeContext ctx, ClientApplier applier)
    {
        _ctx = ctx;
        _applier = applier;
        _server = new InitSnapshotServer(ctx);
        _retry = new RequestBackoff(NodeContext.Micros(ctx.Options.RequestGapMin), NodeContext.Micros(ctx.Options.RequestGapMax));
    }

    public SyncPhase Phase { get; private set; }

    /// <summary>Internal init is under way (or was, when this site crashed): such a site cannot be elected
    /// (Berkeley DB votes with priority 0, not electable) and <c>rep_start(MASTER)</c> must fail.</summary>
    public bool InInternalInit => Phase is SyncPhase.Update or SyncPhase.Page or SyncPhase.Log || _ctx.State.InitSnapshotId != 0;

    /// <summary>
    /// The API is locked out (Berkeley DB's <c>__env_rep_enter</c> / <c>__db_rep_enter</c>): internal init is under way,
    /// or the step just taken changes the data under the API (the truncation after verify, a role change to a new
    /// master). The host reads it after each step: while true it holds new operations (reads, proposals) until a later
    /// step leaves it false, or with <see cref="ReplicationOptions.NoWait"/> fails them at once with
    /// <see cref="OrleansRep.Replication.LockedOut"/>. The truncation's lockout lasts until the next step starts, as the host has
    /// carried the truncation out by then.
    /// </summary>
    public bool LockedOut => InInternalInit || _lockedForStep;

    /// <summary>Internal init's chunk progress (null when not fetching).</summary>
    internal InitTransfer? Transfer => _transfer;

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
        _initInterrupted |= InInternalInit;
        _transfer = null;
        _applier.Accepting = false;
        if (_ctx.Options.DelayClient)
        {
            Phase = SyncPhase.Delayed;
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
        Phase = SyncPhase.Off;
        _transfer = null;
        _applier.Accepting = true;
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
                OnUpdate(message);
                break;
            case RepMessageType.Page:
                OnChunk(message);
                break;
            case RepMessageType.PageFail:
                OnChunkFail(message);
                break;

            // PAGE_MORE and BULK_PAGE: this client asks for one chunk per PAGE_REQ, so they are never due.
        }
    }

    public void OnCompleted(Completed completed)
    {
        if (_server.OnCompleted(completed))
        {
            return;
        }

        if (Phase != SyncPhase.Page || !_transfer!.EndStore(completed.ActionId, completed.Succeeded))
        {
            return;
        }

        _retry.Restart(_ctx.Now);
        RequestChunks(SendOptions.None);
        if (_transfer.AllStored)
        {
            EnterLogPhase();
        }
    }

    /// <summary>The local log is durable up to <paramref name="lsn"/>: internal init may have its log.</summary>
    public void OnLogDurable(Lsn lsn)
    {
        _ = lsn;
        if (Phase == SyncPhase.Log)
        {
            FinishInitIfLogReady();
        }
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

        switch (Phase)
        {
            case SyncPhase.Verify when _retry.RepeatDue(_ctx.Now):
                SendToMaster(RepMessageType.VerifyReq, _verifyLsn, flags: SendOptions.ReRequest);
                break;
            case SyncPhase.Update when _retry.RepeatDue(_ctx.Now):
                SendUpdateRequest(SendOptions.ReRequest);
                break;
            case SyncPhase.Page when _retry.RepeatDue(_ctx.Now):
                foreach (var index in _transfer!.Outstanding)
                {
                    SendChunkRequest(index, SendOptions.ReRequest);
                }

                break;
            case SyncPhase.Log:
                TickLogPhase();
                break;
        }
    }

    private void StartSync()
    {
        _transfer = null;
        _checkpointBelow = Lsn.Zero;
        if (_initInterrupted || _ctx.State.InitSnapshotId != 0)
        {
            StartInternalInit();
            return;
        }

        if (_ctx.Store.First.IsZero)
        {
            // Nothing to verify against.
            StartInternalInit();
            return;
        }

        var lastPerm = _ctx.Store.LastPermBefore(_ctx.Store.LogEnd);
        if (lastPerm == null)
        {
            StartInternalInit();
            return;
        }

        RequestVerify(lastPerm.Lsn);
    }

    private void RequestVerify(Lsn lsn)
    {
        Phase = SyncPhase.Verify;
        _verifyLsn = lsn;
        _retry.Restart(_ctx.Now);
        SendToMaster(RepMessageType.VerifyReq, lsn, flags: SendOptions.Anywhere);
    }

    private void OnVerify(RepMessage message)
    {
        if (Phase != SyncPhase.Verify || message.Lsn != _verifyLsn)
        {
            // Late or duplicate answer to an earlier step of the walk.
            return;
        }

        var theirs = message.PayloadAs<RecordPayload>().Record;
        if (theirs.Lsn != message.Lsn)
        {
            throw new MalformedMessageException($"VERIFY from {message.From} for {message.Lsn} carries the record at {theirs.Lsn}");
        }

        var mine = _ctx.Store.Read(_verifyLsn);
        if (mine == null)
        {
            // The local log changed under the walk: start it again from the end.
            StartSync();
            return;
        }

        if (mine.SameBytes(theirs))
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
    /// it, then ask for everything after it.</summary>
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
            Phase = SyncPhase.Refused;
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

        _ctx.Emit(new ClearParked());
        _applier.Reset();

        // The master starts streaming from the match at once; a gap request for the same records meanwhile would only
        // start a second stream.
        _applier.DeferGapRequests();
        _applier.Accepting = true;
        Phase = SyncPhase.Off;
        SendToMaster(RepMessageType.AllReq, matchEnd, flags: SendOptions.Anywhere);
    }

    private void OnVerifyFail(RepMessage message)
    {
        // Only a failure of what this client is waiting for starts internal init; an old or delayed VERIFY_FAIL must not.
        var relevant = Phase switch
        {
            SyncPhase.Verify => message.Lsn == _verifyLsn,
            SyncPhase.Log => _transfer!.FirstLsn <= message.Lsn && message.Lsn <= _transfer.LastLsn,
            SyncPhase.Off => message.Lsn >= _applier.ReadyLsn,
            _ => false,
        };
        if (!relevant)
        {
            return;
        }

        _initInterrupted |= Phase == SyncPhase.Log;
        StartInternalInit();
    }

    /// <summary>Asks the master for a snapshot (or, with AUTOINIT off, gives up with JOIN_FAILURE).</summary>
    private void StartInternalInit()
    {
        _transfer = null;
        _applier.Accepting = false;
        if (!_ctx.Options.AutoInit)
        {
            Phase = SyncPhase.Refused;
            _ctx.Raise(RepEventKind.JoinFailure, _ctx.Master);
            return;
        }

        Phase = SyncPhase.Update;
        _updateRequested = false;
        _retry.Restart(_ctx.Now);
        SendUpdateRequest(SendOptions.None);
    }

    private void SendUpdateRequest(SendOptions flags)
    {
        if (SendToMaster(RepMessageType.UpdateReq, _ctx.Store.LogEnd, new UpdateRequestPayload(_updateRequested), flags: flags))
        {
            _updateRequested = true;
        }
    }

    private void OnUpdate(RepMessage message)
    {
        if (Phase != SyncPhase.Update || message.From != _ctx.Master)
        {
            return;
        }

        var update = message.PayloadAs<UpdatePayload>();
        if (update.SnapshotId == 0 || update.Chunks is < 0 or > InitTransfer.MaxChunks || update.FirstLsn.IsZero || update.FirstLsn > message.Lsn)
        {
            throw new MalformedMessageException($"UPDATE from {message.From} is inconsistent: {update}, end of log {message.Lsn}");
        }

        // The marker goes first, so a crash from here on starts over clean; then the host empties the databases and log.
        _ctx.Persist(s => s with { InitSnapshotId = update.SnapshotId });
        _ctx.Emit(new BeginInternalInit(update.SnapshotId, update.FirstLsn));
        _applier.Reset();
        _initInterrupted = false;
        _transfer = new InitTransfer(update.SnapshotId, update.Chunks, update.FirstLsn, message.Lsn);
        Phase = SyncPhase.Page;
        _retry.Restart(_ctx.Now);
        RequestChunks(SendOptions.None);
        if (_transfer.AllStored)
        {
            EnterLogPhase();
        }
    }

    private void RequestChunks(SendOptions flags)
    {
        foreach (var index in _transfer!.TakeRequests())
        {
            SendChunkRequest(index, flags);
        }
    }

    private void SendChunkRequest(int index, SendOptions flags) =>
        SendToMaster(RepMessageType.PageReq, _transfer!.FirstLsn, new ChunkRequestPayload(_transfer.SnapshotId, index), RepControl.Init, flags);

    private void OnChunk(RepMessage message)
    {
        var chunk = message.PayloadAs<ChunkPayload>();
        if (Phase != SyncPhase.Page || chunk.SnapshotId != _transfer!.SnapshotId)
        {
            return;
        }

        if (chunk.Count != _transfer.ChunkCount || chunk.Index < 0 || chunk.Index >= _transfer.ChunkCount)
        {
            throw new MalformedMessageException($"PAGE from {message.From}: chunk {chunk.Index} of {chunk.Count}, expected one of {_transfer.ChunkCount}");
        }

        var actionId = _ctx.NextActionId();
        if (_transfer.BeginStore(chunk.Index, actionId))
        {
            _retry.Restart(_ctx.Now);
            _ctx.Emit(new StoreSnapshotChunk(actionId, chunk.SnapshotId, chunk.Index, chunk.Data));
        }
    }

    private void OnChunkFail(RepMessage message)
    {
        var failed = message.PayloadAs<ChunkRequestPayload>();
        if (Phase != SyncPhase.Page || failed.SnapshotId != _transfer!.SnapshotId)
        {
            return;
        }

        // The master no longer has the snapshot: start over with a fresh one (the marker stays until its UPDATE).
        StartInternalInit();
    }

    private void EnterLogPhase()
    {
        var transfer = _transfer!;
        Phase = SyncPhase.Log;
        _applier.Accepting = true;
        _logProgress = transfer.FirstLsn;
        _retry.Restart(_ctx.Now);
        if (transfer.FirstLsn >= transfer.LastLsn)
        {
            // No log after the snapshot. (Decided without reading the store: BeginInternalInit may be in this very step.)
            FinishInternalInit();
            return;
        }

        SendToMaster(RepMessageType.AllReq, transfer.FirstLsn, control: RepControl.Init);
    }

    private void TickLogPhase()
    {
        if (FinishInitIfLogReady())
        {
            return;
        }

        if (_ctx.Store.LogEnd > _logProgress)
        {
            _logProgress = _ctx.Store.LogEnd;
            _retry.Restart(_ctx.Now);
        }
        else if (_retry.RepeatDue(_ctx.Now))
        {
            // The ALL_REQ or its stream was lost and no live record made the applier notice a gap.
            SendToMaster(RepMessageType.AllReq, _ctx.Store.LogEnd, control: RepControl.Init, flags: SendOptions.ReRequest);
        }
    }

    private bool FinishInitIfLogReady()
    {
        if (_ctx.Store.LogEnd < _transfer!.LastLsn)
        {
            return false;
        }

        FinishInternalInit();
        return true;
    }

    /// <summary>The snapshot and the log up to the master's end at UPDATE time are in (Berkeley DB's LOGREADY): the log
    /// is made durable, then the marker removed.</summary>
    private void FinishInternalInit()
    {
        var transfer = _transfer!;
        _ctx.Emit(new FlushLog());
        _ctx.Emit(new FinishInternalInit(transfer.SnapshotId));
        _ctx.Persist(s => s with { InitSnapshotId = 0 });
        _ctx.Raise(RepEventKind.InitDone, _ctx.Master, transfer.LastLsn);
        _transfer = null;
        Phase = SyncPhase.Off;
    }

    /// <summary>Sends to the master; false when no master is known (the tick's repeat sends once there is one).</summary>
    private bool SendToMaster(RepMessageType type, Lsn lsn, RepPayload? payload = null, RepControl control = RepControl.None, SendOptions flags = SendOptions.None)
    {
        if (_ctx.Master.IsNone || _ctx.Master == _ctx.Self)
        {
            return false;
        }

        _ctx.Send(Destination.To(_ctx.Master), type, lsn, payload, control, flags);
        return true;
    }
}
