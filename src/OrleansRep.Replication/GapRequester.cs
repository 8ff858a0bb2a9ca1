using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// A client's requests for missing log (Berkeley DB's <c>__rep_loggap_req</c> and <c>__rep_check_doreq</c>):
/// <see cref="Waiting"/> is the lowest parked LSN (zero: no gap), <see cref="MaxWait"/> what was last asked for; the
/// back-off allows a request only once <see cref="WaitMicros"/> has passed since <see cref="LastRequestOrProgress"/>,
/// then doubles the wait up to <see cref="ReplicationOptions.RequestGapMax"/>.
/// </summary>
internal sealed class GapRequester(NodeContext ctx)
{
    private readonly NodeContext _ctx = ctx;

    /// <summary>The lowest parked LSN after the gap (Berkeley DB's waiting_lsn); zero when there is no gap.</summary>
    public Lsn Waiting { get; set; }

    /// <summary>What was last requested (max_wait_lsn): the first parked LSN of a range, or the single LSN.</summary>
    public Lsn MaxWait { get; private set; }

    /// <summary>rcvd_ts: when the expected record last arrived, a new gap opened, or a request went out.</summary>
    public long LastRequestOrProgress { get; private set; }

    /// <summary>last_ts: when a record was last parked (zero: never).</summary>
    public long LastParkedAt { get; private set; }

    /// <summary>wait_ts: how long after <see cref="LastRequestOrProgress"/> a request is allowed.</summary>
    public long WaitMicros { get; private set; } = NodeContext.Micros(ctx.Options.RequestGapMin);

    private long MinWait => NodeContext.Micros(_ctx.Options.RequestGapMin);

    private long MaxWaitMicros => NodeContext.Micros(_ctx.Options.RequestGapMax);

    /// <summary>Forget the gap (new master, sync reset the log).</summary>
    public void Reset()
    {
        Waiting = Lsn.Zero;
        MaxWait = Lsn.Zero;
        WaitMicros = MinWait;
        LastRequestOrProgress = _ctx.Now;
    }

    /// <summary>The expected record arrived: the request interval starts over.</summary>
    public void ExpectedArrived()
    {
        LastRequestOrProgress = _ctx.Now;
        MaxWait = Lsn.Zero;
    }

    /// <summary>A parked record was just applied (a gap was filled): as in Berkeley DB's <c>__rep_apply</c>, the
    /// interval counts from when a record was last parked (<c>rcvd_ts = last_ts</c>) with the shortest wait, so a gap
    /// that remains behind old parked records is asked for at once, while one behind records parked just now (likely
    /// still arriving on their own) is not.</summary>
    public void DrainedParked()
    {
        LastRequestOrProgress = LastParkedAt;
        WaitMicros = MinWait;
        MaxWait = Lsn.Zero;
    }

    /// <summary>No gap is left: back to the shortest wait.</summary>
    public void Closed()
    {
        Waiting = Lsn.Zero;
        MaxWait = Lsn.Zero;
        WaitMicros = MinWait;
    }

    /// <summary>A record was parked at <paramref name="lsn"/>. A gap that opens after an idle period restarts the
    /// clock, so a merely reordered record does not trigger a request at once.</summary>
    public void Parked(Lsn lsn)
    {
        LastParkedAt = _ctx.Now;
        if (Waiting.IsZero)
        {
            LastRequestOrProgress = _ctx.Now;
            Waiting = lsn;
        }
        else if (lsn < Waiting)
        {
            Waiting = lsn;
        }
    }

    /// <summary>Avoid a second stream while one is expected (after LOG_MORE or a sync's ALL_REQ): the next request
    /// waits the longest interval.</summary>
    public void HoldOff()
    {
        WaitMicros = MaxWaitMicros;
        LastRequestOrProgress = _ctx.Now;
    }

    /// <summary>__rep_check_doreq: whether a request may go out now; if so the wait doubles (up to the maximum).</summary>
    public bool MayRequest()
    {
        if (_ctx.Now - LastRequestOrProgress < WaitMicros)
        {
            return false;
        }

        WaitMicros = Math.Min(WaitMicros * 2, MaxWaitMicros);
        LastRequestOrProgress = _ctx.Now;
        return true;
    }

    /// <summary>
    /// __rep_loggap_req: asks for what is missing from <paramref name="from"/>. A forced request, a re-request, the
    /// first request of a gap, or one made when the single record last asked for (<paramref name="received"/>) has
    /// arrived asks for the whole range (LOG_REQ up to <see cref="Waiting"/>, or ALL_REQ when no end is known);
    /// otherwise only the single record at <paramref name="from"/>. A first-time range request may be served by any
    /// site (ANYWHERE); re-requests and singletons go to the master (REREQUEST). With no master known, MASTER_REQ.
    /// </summary>
    public void Request(Lsn from, Lsn received, bool force, bool reRequest, bool allowAnywhere)
    {
        if (_ctx.Master.IsNone)
        {
            _ctx.Send(Destination.Broadcast, RepMessageType.MasterReq, Lsn.Zero);
            return;
        }

        var master = Destination.To(_ctx.Master);
        if (force || reRequest || MaxWait.IsZero || (!received.IsZero && received == MaxWait))
        {
            MaxWait = Waiting;
            var flags = reRequest ? SendOptions.ReRequest : allowAnywhere ? SendOptions.Anywhere : SendOptions.None;
            if (!Waiting.IsZero && Waiting > from)
            {
                _ctx.Send(master, RepMessageType.LogReq, from, new RangePayload(Waiting), flags: flags);
            }
            else
            {
                _ctx.Send(master, RepMessageType.AllReq, from, flags: flags);
            }
        }
        else
        {
            MaxWait = from;
            _ctx.Send(master, RepMessageType.LogReq, from, flags: SendOptions.ReRequest);
        }
    }
}
