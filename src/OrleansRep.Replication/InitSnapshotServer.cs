using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// The master's side of internal init (Berkeley DB's <c>__rep_update_req</c> and <c>__rep_page_req</c>): on
/// UPDATE_REQ it has the host prepare a snapshot (<see cref="PrepareSnapshot"/>) and, once that completes, answers
/// UPDATE; PAGE_REQ is answered with the chunk (PAGE) or, when the snapshot is gone, PAGE_FAIL.
/// <para>
/// <b>First LSN.</b> The UPDATE's first LSN is the master's end of log at the step that emits
/// <see cref="PrepareSnapshot"/>: the host carries the action out before the next step, so its snapshot holds every
/// record before that LSN (and may hold later ones, which the client's replay of the log from the first LSN applies
/// again; the engine's apply must be idempotent for them, as Berkeley DB's recovery is). A transaction's records are
/// appended together with its commit (<see cref="LocalCommit"/>), so none straddles that LSN.
/// </para>
/// <para>
/// <b>Bounds.</b> One snapshot per requesting client (a fresh request replaces the client's old one), at most
/// <see cref="MaxSnapshots"/> in all (the least recently used goes first), and none kept after
/// <see cref="ReplicationOptions.SnapshotIdleTimeout"/> without a request or after this site stops being master. Each
/// one dropped is released with <see cref="ReleaseSnapshot"/>.
/// </para>
/// </summary>
internal sealed class InitSnapshotServer(NodeContext ctx)
{
    /// <summary>Most snapshots prepared or kept at once.</summary>
    public const int MaxSnapshots = 16;

    private readonly NodeContext _ctx = ctx;
    private readonly Dictionary<SiteId, ServedSnapshot> _byClient = [];
    private uint _sequence;

    /// <summary>Snapshots prepared or being prepared (for tests and status).</summary>
    public int Count => _byClient.Count;

    public void OnUpdateRequest(RepMessage message)
    {
        var repeat = message.Payload switch
        {
            null => false,
            UpdateRequestPayload p => p.Repeat,
            _ => throw new MalformedMessageException($"UPDATE_REQ from {message.From} carries {message.Payload.GetType().Name}"),
        };

        if (!_ctx.IsMaster)
        {
            // Only a master serves internal init (MASTER_ONLY); the client asks again once it knows the master.
            return;
        }

        if (_byClient.TryGetValue(message.From, out var held))
        {
            if (!held.Ready)
            {
                // Being prepared: UPDATE follows when it is done, for a repeat and a fresh start alike.
                held.LastUsed = _ctx.Now;
                return;
            }

            if (repeat && _ctx.Snapshots.ChunkCount(held.SnapshotId) >= 0)
            {
                held.LastUsed = _ctx.Now;
                SendUpdate(held);
                return;
            }

            Release(held);
        }

        if (_byClient.Count >= MaxSnapshots)
        {
            Release(_byClient.Values.MinBy(s => s.LastUsed)!);
        }

        var snapshot = new ServedSnapshot(message.From, ((long)_ctx.Gen << 32) | ++_sequence, _ctx.NextActionId(), _ctx.Store.LogEnd)
        {
            LastUsed = _ctx.Now,
        };
        _byClient.Add(message.From, snapshot);
        _ctx.Emit(new PrepareSnapshot(snapshot.ActionId, snapshot.SnapshotId));
    }

    /// <summary>A <see cref="PrepareSnapshot"/> finished: answers UPDATE. False if the action is not one of ours.</summary>
    public bool OnCompleted(Completed completed)
    {
        var snapshot = _byClient.Values.FirstOrDefault(s => !s.Ready && s.ActionId == completed.ActionId);
        if (snapshot == null)
        {
            return false;
        }

        if (!completed.Succeeded || !_ctx.IsMaster || _ctx.Snapshots.ChunkCount(snapshot.SnapshotId) < 0)
        {
            // The client's repeated UPDATE_REQ starts a new one.
            Release(snapshot);
            return true;
        }

        snapshot.Ready = true;
        snapshot.LastUsed = _ctx.Now;
        SendUpdate(snapshot);
        return true;
    }

    public void OnChunkRequest(RepMessage message)
    {
        var request = message.PayloadAs<ChunkRequestPayload>();
        if (!_ctx.IsMaster)
        {
            ReleaseAll();
        }

        var snapshot = _byClient.Values.FirstOrDefault(s => s.Ready && s.SnapshotId == request.SnapshotId);
        var count = snapshot == null ? -1 : _ctx.Snapshots.ChunkCount(snapshot.SnapshotId);
        if (count < 0)
        {
            if (snapshot != null)
            {
                Release(snapshot);
            }

            _ctx.Send(Destination.To(message.From), RepMessageType.PageFail, message.Lsn, request);
            return;
        }

        if (request.Index < 0 || request.Index >= count)
        {
            throw new MalformedMessageException($"PAGE_REQ from {message.From} for chunk {request.Index} of {count}");
        }

        snapshot!.LastUsed = _ctx.Now;
        var data = _ctx.Snapshots.ReadChunk(snapshot.SnapshotId, request.Index);
        _ctx.Send(Destination.To(message.From), RepMessageType.Page, snapshot.FirstLsn, new ChunkPayload(snapshot.SnapshotId, request.Index, count, data));
    }

    public void OnTick()
    {
        if (_byClient.Count == 0)
        {
            return;
        }

        if (!_ctx.IsMaster)
        {
            ReleaseAll();
            return;
        }

        var idle = NodeContext.Micros(_ctx.Options.SnapshotIdleTimeout);
        foreach (var snapshot in _byClient.Values.Where(s => _ctx.Now - s.LastUsed >= idle).ToList())
        {
            Release(snapshot);
        }
    }

    private void SendUpdate(ServedSnapshot snapshot)
    {
        var payload = new UpdatePayload(snapshot.FirstLsn, snapshot.SnapshotId, _ctx.Snapshots.ChunkCount(snapshot.SnapshotId));
        _ctx.Send(Destination.To(snapshot.Client), RepMessageType.Update, _ctx.Store.LogEnd, payload);
    }

    private void ReleaseAll()
    {
        foreach (var snapshot in _byClient.Values.ToList())
        {
            Release(snapshot);
        }
    }

    private void Release(ServedSnapshot snapshot)
    {
        _byClient.Remove(snapshot.Client);
        _ctx.Emit(new ReleaseSnapshot(snapshot.SnapshotId));
    }

    /// <summary>A snapshot prepared for <see cref="Client"/>, with the first LSN of the log after it.</summary>
    private sealed class ServedSnapshot(SiteId client, long snapshotId, long actionId, Lsn firstLsn)
    {
        public SiteId Client { get; } = client;

        public long SnapshotId { get; } = snapshotId;

        public long ActionId { get; } = actionId;

        public Lsn FirstLsn { get; } = firstLsn;

        public bool Ready { get; set; }

        public long LastUsed { get; set; }
    }
}
