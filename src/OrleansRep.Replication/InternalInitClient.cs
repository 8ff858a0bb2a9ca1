using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// The client's side of internal init (reference section 5; Berkeley DB's <c>__rep_update_setup</c>,
/// <c>__rep_page</c>, <c>__rep_init_cleanup</c>), in three stages: <see cref="SyncPhase.Update"/> (UPDATE_REQ sent),
/// <see cref="SyncPhase.Page"/> (chunks fetched with PAGE_REQ and stored by the host), <see cref="SyncPhase.Log"/>
/// (the log from the UPDATE's first LSN up to the master's end of log at UPDATE time). Requests nobody answers are
/// repeated on ticks with back-off, as re-requests.
/// <para>
/// <b>Marker.</b> On UPDATE the marker <see cref="RepPersistentState.InitSnapshotId"/> is persisted before
/// <see cref="BeginInternalInit"/> (the host empties the databases and log and puts the log at the first LSN); it is
/// cleared after <see cref="FinishInternalInit"/>, which follows a <see cref="FlushLog"/>. So a site that crashes in
/// between finds the marker on restart and <see cref="ClientSync"/> starts init over instead of trusting a partial log.
/// </para>
/// </summary>
internal sealed class InternalInitClient(NodeContext ctx, ClientApplier applier)
{
    private readonly NodeContext _ctx = ctx;
    private readonly ClientApplier _applier = applier;
    private readonly RequestBackoff _retry = new(NodeContext.Micros(ctx.Options.RequestGapMin), NodeContext.Micros(ctx.Options.RequestGapMax));

    /// <summary>The next UPDATE_REQ asks again within the same attempt (the master may offer the snapshot it has).</summary>
    private bool _updateRequested;

    /// <summary>The local log end when the LOG stage last saw progress.</summary>
    private Lsn _logProgress;

    /// <summary><see cref="SyncPhase.Update"/>, <see cref="SyncPhase.Page"/>, <see cref="SyncPhase.Log"/>, or
    /// <see cref="SyncPhase.Off"/> when no init is under way.</summary>
    public SyncPhase Stage { get; private set; }

    public bool Active => Stage != SyncPhase.Off;

    /// <summary>The snapshot being fetched (from UPDATE until done), else null.</summary>
    public InitTransfer? Transfer { get; private set; }

    /// <summary>Starts (or starts over) with a fresh UPDATE_REQ to the master. Live log is held back meanwhile.</summary>
    public void Start()
    {
        Transfer = null;
        _applier.HeldBySync = true;
        Stage = SyncPhase.Update;
        _updateRequested = false;
        _retry.Restart(_ctx.Now);
        SendUpdateRequest(SendOptions.None);
    }

    /// <summary>Drops the attempt (a new master, or this site stopped being a client). The marker stays.</summary>
    public void Abandon()
    {
        Stage = SyncPhase.Off;
        Transfer = null;
    }

    /// <summary>Whether a VERIFY_FAIL for <paramref name="lsn"/> is about the log this init still needs (the master
    /// removed it: init must start over with a newer snapshot).</summary>
    public bool NeedsLogAt(Lsn lsn) => Stage == SyncPhase.Log && Transfer!.FirstLsn <= lsn && lsn <= Transfer.LastLsn;

    public void OnUpdate(RepMessage message)
    {
        if (Stage != SyncPhase.Update || message.From != _ctx.Master)
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
        Transfer = new InitTransfer(update.SnapshotId, update.Chunks, update.FirstLsn, message.Lsn);
        Stage = SyncPhase.Page;
        _retry.Restart(_ctx.Now);
        RequestChunks();
        if (Transfer.AllStored)
        {
            EnterLogStage();
        }
    }

    public void OnChunk(RepMessage message)
    {
        var chunk = message.PayloadAs<ChunkPayload>();
        if (Stage != SyncPhase.Page || chunk.SnapshotId != Transfer!.SnapshotId)
        {
            return;
        }

        if (chunk.Count != Transfer.ChunkCount || chunk.Index < 0 || chunk.Index >= Transfer.ChunkCount)
        {
            throw new MalformedMessageException($"PAGE from {message.From}: chunk {chunk.Index} of {chunk.Count}, expected one of {Transfer.ChunkCount}");
        }

        var actionId = _ctx.NextActionId();
        if (Transfer.BeginStore(chunk.Index, actionId))
        {
            _retry.Restart(_ctx.Now);
            _ctx.Emit(new StoreSnapshotChunk(actionId, chunk.SnapshotId, chunk.Index, chunk.Data));
        }
    }

    public void OnChunkFail(RepMessage message)
    {
        var failed = message.PayloadAs<ChunkRequestPayload>();
        if (Stage != SyncPhase.Page || failed.SnapshotId != Transfer!.SnapshotId)
        {
            return;
        }

        // The master no longer has the snapshot: start over with a fresh one (the marker stays until its UPDATE).
        Start();
    }

    /// <summary>A <see cref="StoreSnapshotChunk"/> finished; false if it is not one of this transfer's.</summary>
    public bool OnCompleted(Completed completed)
    {
        if (Stage != SyncPhase.Page || !Transfer!.EndStore(completed.ActionId, completed.Succeeded))
        {
            return false;
        }

        _retry.Restart(_ctx.Now);
        RequestChunks();
        if (Transfer.AllStored)
        {
            EnterLogStage();
        }

        return true;
    }

    public void OnLogDurable()
    {
        if (Stage == SyncPhase.Log)
        {
            FinishIfLogReady();
        }
    }

    public void OnTick()
    {
        switch (Stage)
        {
            case SyncPhase.Update when _retry.RepeatDue(_ctx.Now):
                SendUpdateRequest(SendOptions.ReRequest);
                break;
            case SyncPhase.Page when _retry.RepeatDue(_ctx.Now):
                foreach (var index in Transfer!.Outstanding)
                {
                    SendChunkRequest(index, SendOptions.ReRequest);
                }

                break;
            case SyncPhase.Log:
                TickLogStage();
                break;
        }
    }

    private void SendUpdateRequest(SendOptions flags)
    {
        if (SendToMaster(RepMessageType.UpdateReq, _ctx.Store.LogEnd, new UpdateRequestPayload(_updateRequested), RepControl.None, flags))
        {
            _updateRequested = true;
        }
    }

    private void RequestChunks()
    {
        foreach (var index in Transfer!.TakeRequests())
        {
            SendChunkRequest(index, SendOptions.None);
        }
    }

    private void SendChunkRequest(int index, SendOptions flags) =>
        SendToMaster(RepMessageType.PageReq, Transfer!.FirstLsn, new ChunkRequestPayload(Transfer.SnapshotId, index), RepControl.Init, flags);

    private void EnterLogStage()
    {
        var transfer = Transfer!;
        Stage = SyncPhase.Log;
        _applier.HeldBySync = false;
        _logProgress = transfer.FirstLsn;
        _retry.Restart(_ctx.Now);
        if (transfer.FirstLsn >= transfer.LastLsn)
        {
            // No log after the snapshot. (Decided without reading the store: BeginInternalInit may be in this very step.)
            Finish();
            return;
        }

        SendToMaster(RepMessageType.AllReq, transfer.FirstLsn, null, RepControl.Init, SendOptions.None);
    }

    private void TickLogStage()
    {
        if (FinishIfLogReady())
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
            SendToMaster(RepMessageType.AllReq, _ctx.Store.LogEnd, null, RepControl.Init, SendOptions.ReRequest);
        }
    }

    private bool FinishIfLogReady()
    {
        if (_ctx.Store.LogEnd < Transfer!.LastLsn)
        {
            return false;
        }

        Finish();
        return true;
    }

    /// <summary>The snapshot and the log up to the master's end at UPDATE time are in (Berkeley DB's LOGREADY): the log
    /// is made durable, then the marker removed.</summary>
    private void Finish()
    {
        var transfer = Transfer!;
        _ctx.Emit(new FlushLog());
        _ctx.Emit(new FinishInternalInit(transfer.SnapshotId));
        _ctx.Persist(s => s with { InitSnapshotId = 0, SyncedGen = _ctx.Gen });
        _ctx.Raise(RepEventKind.InitDone, _ctx.Master, transfer.LastLsn);
        Abandon();
    }

    /// <summary>Sends to the master; false when no master is known (the tick's repeat sends once there is one).</summary>
    private bool SendToMaster(RepMessageType type, Lsn lsn, RepPayload? payload, RepControl control, SendOptions flags)
    {
        if (_ctx.Master.IsNone || _ctx.Master == _ctx.Self)
        {
            return false;
        }

        _ctx.Send(Destination.To(_ctx.Master), type, lsn, payload, control, flags);
        return true;
    }
}
