using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// Answers LOG_REQ, ALL_REQ and VERIFY_REQ from its log (reference section 2, "Serving"): a master always; a client
/// when the request came ANYWHERE and it can, else it replies REREQUEST. Streams stop at the request limit with
/// LOG_MORE; the last record sent carries LOG_END.
/// <para>
/// Records go back with RESEND (and PERM for commits and checkpoints, so the requester acks them once durable; no
/// <see cref="SendOptions.Permanent"/>, since nobody waits for these acks), NEWFILE (with the end of the previous
/// file) wherever the stream crosses into a later file, and with <see cref="ReplicationOptions.Bulk"/> gathered into
/// BULK_LOG messages sent when full, before a NEWFILE and at the end. After <see cref="ReplicationOptions.RequestLimitBytes"/>
/// the record that crossed the limit is the last, followed by LOG_MORE whose LSN is where to resume.
/// </para>
/// <para>
/// A client serves only what it can serve whole: it must be accepting live log (not syncing, so its log is a prefix
/// of the master's), know a master, and hold every record of a range (for ALL_REQ: the first one). It marks
/// LOG_END only once its own start-up is complete (its end is then the group's as far as it knows). Anything else
/// gets REREQUEST, and the requester asks the master.
/// </para>
/// </summary>
internal sealed class RequestServer(NodeContext ctx, ClientApplier applier)
{
    private readonly NodeContext _ctx = ctx;
    private readonly ClientApplier _applier = applier;

    /// <summary>Requests answered with data (or VERIFY / VERIFY_FAIL).</summary>
    public long Served { get; private set; }

    /// <summary>Requests answered with REREQUEST.</summary>
    public long Refused { get; private set; }

    public void OnRequest(RepMessage message, SendOptions flags)
    {
        if (_ctx.Role == RepRole.None)
        {
            return;
        }

        if (!_ctx.IsMaster && !CanServeAsClient(flags))
        {
            ReRequest(message);
            return;
        }

        switch (message.Type)
        {
            case RepMessageType.LogReq:
            case RepMessageType.AllReq:
                ServeLog(message);
                break;
            case RepMessageType.VerifyReq:
                ServeVerify(message);
                break;
        }
    }

    private bool CanServeAsClient(SendOptions flags) =>
        _ctx.Role == RepRole.Client
        && (flags & (SendOptions.Anywhere | SendOptions.ReRequest)) == SendOptions.Anywhere
        && _applier.Accepting
        && !_ctx.Master.IsNone;

    private void ServeLog(RepMessage message)
    {
        var store = _ctx.Store;
        var start = message.Lsn;
        var end = Lsn.Max;
        var single = false;
        if (message.Type == RepMessageType.LogReq)
        {
            switch (message.Payload)
            {
                case RangePayload range:
                    end = range.End;
                    if (end <= start)
                    {
                        throw new MalformedMessageException($"LOG_REQ from {message.From} for an empty range {start}..{end}");
                    }

                    break;
                case null:
                    single = true;
                    break;
                default:
                    throw new MalformedMessageException($"LOG_REQ from {message.From} with a {message.Payload.GetType().Name}");
            }

            if (start.IsZero)
            {
                throw new MalformedMessageException($"LOG_REQ from {message.From} for no LSN");
            }
        }

        var first = store.First;
        if (first.IsZero)
        {
            // Nothing logged: nothing a master can send; a client sends the requester to the master.
            NothingHere(message);
            return;
        }

        if (start.IsZero)
        {
            // ALL_REQ for everything: only a log that still begins in file 1 has everything.
            if (first.File != 1)
            {
                TooOld(message, first);
                return;
            }

            start = first;
        }

        if (start < first)
        {
            TooOld(message, start);
            return;
        }

        var record = store.Read(start);
        if (record is null)
        {
            var after = store.ReadFrom(start);
            if (after is null || after.Lsn.File == start.File)
            {
                // Past our end of log, or not a record boundary: nothing sensible to send.
                NothingHere(message);
                return;
            }

            // The requester is at the end of a file we have moved on from: the stream starts with NEWFILE.
            record = after;
        }

        if (!_ctx.IsMaster && !single && end != Lsn.Max && store.LogEnd < end)
        {
            // A client answers a range only if it holds all of it.
            ReRequest(message);
            return;
        }

        Stream(message.From, start, record, end, single);
        Served++;
    }

    private void Stream(SiteId to, Lsn previousEnd, LogRecordView record, Lsn end, bool single)
    {
        var destination = Destination.To(to);
        var window = new StreamWindow(_ctx, destination);
        var limit = _ctx.Options.RequestLimitBytes;
        var markEnd = _ctx.IsMaster || _applier.StartupComplete;
        var bulk = _ctx.Options.Bulk ? new BulkBatch(_ctx.Options.BulkBytes) : null;
        var bulkEndsLog = false;
        long sent = 0;
        var file = previousEnd.File;
        if (record.Lsn.File != file)
        {
            // The requester is at the end of a file: it needs the switch even when nothing more of the range is due.
            window.Send(RepMessageType.NewFile, previousEnd, control: RepControl.Resend);
            file = record.Lsn.File;
        }

        // One pass over the log for the whole answer (a store reading files keeps its reader open meanwhile).
        using var following = _ctx.Store.Forward(LogPositions.After(record)).GetEnumerator();
        LogRecordView? current = record;
        while (current is not null && current.Lsn < end)
        {
            if (current.Lsn.File != file)
            {
                FlushBulk(window, bulk, ref bulkEndsLog);
                window.Send(RepMessageType.NewFile, previousEnd, control: RepControl.Resend);
                file = current.Lsn.File;
            }

            var next = following.MoveNext() ? following.Current : null;
            var endsLog = next is null && markEnd;
            var control = RepControl.Resend | (current.IsPerm ? RepControl.Perm : RepControl.None) | (endsLog ? RepControl.LogEnd : RepControl.None);
            if (bulk is null || bulk.IsOversize(current))
            {
                FlushBulk(window, bulk, ref bulkEndsLog);
                window.Send(RepMessageType.Log, current.Lsn, new RecordPayload(current), control);
            }
            else
            {
                if (!bulk.Fits(current))
                {
                    FlushBulk(window, bulk, ref bulkEndsLog);
                }

                bulk.Add(current);
                bulkEndsLog = endsLog;
            }

            sent += current.Frame.Length;
            previousEnd = LogPositions.After(current);
            if (single)
            {
                break;
            }

            if (limit > 0 && sent >= limit && next is not null && next.Lsn < end)
            {
                FlushBulk(window, bulk, ref bulkEndsLog);
                window.EndWithLogMore(previousEnd);
                return;
            }

            current = next;
        }

        FlushBulk(window, bulk, ref bulkEndsLog);
        window.SendAll();
    }

    private static void FlushBulk(StreamWindow window, BulkBatch? bulk, ref bool endsLog)
    {
        if (bulk is null || bulk.IsEmpty)
        {
            return;
        }

        var control = RepControl.Resend | (bulk.HasPerm ? RepControl.Perm : RepControl.None) | (endsLog ? RepControl.LogEnd : RepControl.None);
        var payload = bulk.Take();
        window.Send(RepMessageType.BulkLog, payload.Records[0].Lsn, payload, control);
        endsLog = false;
    }

    /// <summary>VERIFY_REQ: the record at the LSN for the requester to compare; VERIFY_FAIL when that part of the log
    /// is gone (the requester needs internal init). A master without a record there answers VERIFY with no record
    /// (a mismatch for the requester, which steps back), as Berkeley DB does.</summary>
    private void ServeVerify(RepMessage message)
    {
        var store = _ctx.Store;
        if (!store.First.IsZero && message.Lsn < store.First)
        {
            TooOld(message, message.Lsn);
            return;
        }

        var record = store.Read(message.Lsn);
        if (record is null && !_ctx.IsMaster)
        {
            ReRequest(message);
            return;
        }

        _ctx.Send(Destination.To(message.From), RepMessageType.Verify, message.Lsn, record is null ? null : new RecordPayload(record));
        Served++;
    }

    /// <summary>The requested log is older than ours: a master says VERIFY_FAIL (internal init follows); a client
    /// sends the requester to the master.</summary>
    private void TooOld(RepMessage message, Lsn lsn)
    {
        if (_ctx.IsMaster)
        {
            _ctx.Send(Destination.To(message.From), RepMessageType.VerifyFail, lsn);
            Served++;
        }
        else
        {
            ReRequest(message);
        }
    }

    private void NothingHere(RepMessage message)
    {
        if (!_ctx.IsMaster)
        {
            ReRequest(message);
        }
    }

    private void ReRequest(RepMessage message)
    {
        _ctx.Send(Destination.To(message.From), RepMessageType.ReRequest, message.Lsn);
        Refused++;
    }
}
