using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// The client apply path (reference section 2): <c>ready_lsn</c>, <c>waiting_lsn</c>, <c>max_wait_lsn</c>;
/// in-order records appended, later ones parked, earlier ones counted as duplicates; gap requests with back-off
/// (ANYWHERE first, REREQUEST after); PERM records acknowledged once durable; START_SYNC; STARTUPDONE.
/// <para>
/// The store shows only earlier steps' effects, so within a step the applier keeps its own <c>ready</c> (where the
/// log will end once this step's appends are carried out), starting from <see cref="IReplicaStore.LogEnd"/>.
/// </para>
/// <para>
/// Acks and lease grants are <see cref="ClientAcknowledger"/>'s. NEWFILEs that overtake the end of their file are
/// kept (bounded) until ready gets there. A record at the start of the next file is in order only after the NEWFILE
/// for the end of the current one: accepting it earlier could skip the rest of a file this site never saw.
/// </para>
/// </summary>
internal sealed class ClientApplier
{
    private readonly NodeContext _ctx;
    private readonly GapRequester _gap;
    private readonly ClientAcknowledger _acks;

    /// <summary>NEWFILEs that arrived ahead of ready (their LSN is the end of the file they close), applied when ready
    /// gets there: Berkeley DB parks them with the records. Few files switch while a gap is open; bounded.</summary>
    private readonly SortedSet<Lsn> _earlyNewFiles = [];
    private const int MaxEarlyNewFiles = 16;
    private Lsn _ready;

    private readonly AnnouncedMasterEnd _masterEnd = new();
    private int _parkedThisStep;
    private Lsn _checkpointSyncLsn;
    private bool _expectStartup;

    /// <summary>Where the last LOG_MORE this client followed asked the stream to resume (zero: none since the reset).</summary>
    private Lsn _moreRequestedFrom;

    public ClientApplier(NodeContext ctx)
    {
        _ctx = ctx;
        _gap = new GapRequester(ctx);
        _acks = new ClientAcknowledger(ctx);
    }

    /// <summary>The next LSN this site expects (a client) or writes (a master).</summary>
    public Lsn ReadyLsn => _ctx.Store.LogEnd;

    /// <summary>Whether live log traffic is applied: not while sync (verify, internal init, a delayed-client wait)
    /// holds it back, nor while an election locks out apply. Two separate holds, so neither can undo the other's.</summary>
    public bool Accepting => !HeldBySync && !HeldByElection;

    /// <summary>Set by <see cref="ClientSync"/> while it syncs with a new master.</summary>
    public bool HeldBySync { get; set; }

    /// <summary>Set by the <see cref="Elector"/> while an election runs (Berkeley DB's apply lockout).</summary>
    public bool HeldByElection { get; set; }

    /// <summary>The highest PERM LSN known durable here and acknowledged (Berkeley DB's max_perm_lsn).</summary>
    public Lsn MaxPermLsn => _acks.MaxPermLsn;

    /// <summary>The gap-request state (back-off timers), for diagnostics and tests.</summary>
    internal GapRequester Gap => _gap;

    /// <summary>The lowest parked LSN after a gap; zero when there is none.</summary>
    public Lsn WaitingLsn => _gap.Waiting;

    /// <summary>What the last gap request asked for.</summary>
    public Lsn MaxWaitLsn => _gap.MaxWait;

    /// <summary>STARTUPDONE was raised since the last <see cref="ExpectStartup"/>: this client has caught up with the
    /// current master (false until then, and on a site whose Roles never asked).</summary>
    public bool StartupComplete { get; private set; }

    /// <summary>With leases: until when (this site's clock, microseconds) a lease this client granted binds it; it must
    /// not vote before then. 0 when it never granted one.</summary>
    public long LeaseHeldUntil => _acks.LeaseHeldUntil;

    /// <summary>See <see cref="ClientAcknowledger.VoidLeaseGrant"/>.</summary>
    public void VoidLeaseGrant(SiteId peer) => _acks.VoidLeaseGrant(peer);

    /// <summary>See <see cref="ClientAcknowledger.VoidLeaseGrantOnVote"/>.</summary>
    public void VoidLeaseGrantOnVote(SiteId peer, uint egen) => _acks.VoidLeaseGrantOnVote(peer, egen);

    /// <summary>Records received that this site already had.</summary>
    public long Duplicates { get; private set; }

    /// <summary>Records dropped unapplied: while not accepting, or beyond the parking bound (they are re-requested).</summary>
    public long DroppedRecords { get; private set; }

    /// <summary>True while a lease this client granted the master still binds it (see <see cref="LeaseHeldUntil"/>):
    /// it must not vote; the elector waits until it is false.</summary>
    public bool HoldsLeaseGrant => _ctx.Now < LeaseHeldUntil;

    /// <summary>The master's heartbeat arrived (header LSN = its max PERM LSN): re-request what this client lacks.</summary>
    public void OnHeartbeat(RepMessage heartbeat)
    {
        OnMasterProgress(heartbeat.Lsn);

        // Only a client in step with its master (startup done, not syncing) may grant for what its log holds.
        if (StartupComplete && Accepting)
        {
            _acks.RefreshLease(heartbeat.LeaseTime, heartbeat.Lsn);
        }
    }

    /// <summary>Roles calls this after learning a new master: the next record applied in order that is live, or
    /// that ends the server's log, raises STARTUPDONE (once per gen).</summary>
    public void ExpectStartup()
    {
        _expectStartup = true;
        StartupComplete = false;
    }

    /// <summary>A sync just asked for a stream (ALL_REQ after verify): hold back gap requests for the longest wait so
    /// a second stream is not started (Berkeley DB sets wait_ts to the maximum at verify match).</summary>
    public void HoldOffRequests() => _gap.HoldOff();

    public void OnMessage(RepMessage message)
    {
        if (_ctx.Role != RepRole.Client)
        {
            return;
        }

        BeginStep();
        switch (message.Type)
        {
            case RepMessageType.Log:
                var record = message.PayloadAs<RecordPayload>().Record;
                if (record.Lsn != message.Lsn)
                {
                    throw new MalformedMessageException($"LOG from {message.From} at {message.Lsn} carries {record}");
                }

                if (Admit(message))
                {
                    Apply(record, message, lastOfMessage: true);
                }

                break;
            case RepMessageType.BulkLog:
                var records = CheckBulk(message);
                if (Admit(message))
                {
                    for (var i = 0; i < records.Count; i++)
                    {
                        Apply(records[i], message, lastOfMessage: i == records.Count - 1);
                    }
                }

                break;
            case RepMessageType.NewFile:
                if (Admit(message))
                {
                    ApplyNewFile(message);
                }

                break;
            case RepMessageType.LogMore:
                OnLogMore(message);
                break;
            case RepMessageType.ReRequest:
                // A client could not serve our request: ask the master. While a sync is under way its own requests
                // are not ours to repeat (ClientSync re-sends them).
                if (Accepting)
                {
                    _gap.Request(_ready, Lsn.Zero, force: true, reRequest: true, AllowAnywhere);
                }

                break;
            case RepMessageType.StartSync:
                OnStartSync(message);
                break;
        }

        if (message.Has(RepControl.Flush))
        {
            _ctx.Emit(new FlushLog());
        }
    }

    /// <summary>The log is durable before <paramref name="lsn"/>: acknowledge the highest PERM record it covers.</summary>
    public void OnLogDurable(Lsn lsn)
    {
        // While syncing, the durable tail may be one the new master does not share (it is about to be verified and
        // perhaps truncated): an ack for it would count towards the master's own, different records at those LSNs.
        if (_ctx.Role != RepRole.Client || !Accepting)
        {
            return;
        }

        _acks.Durable(lsn);
    }

    public void OnTick()
    {
        if (_ctx.Role != RepRole.Client)
        {
            return;
        }

        _acks.OnTick();
        if (!Accepting)
        {
            return;
        }

        BeginStep();
        if ((!_gap.Waiting.IsZero || _ready < MasterEnd) && _gap.MayRequest())
        {
            _gap.Request(_ready, Lsn.Zero, force: false, reRequest: false, AllowAnywhere);
        }
    }

    /// <summary>
    /// The master's heartbeat (or anything else that tells its max PERM LSN) reached this client: if the master has
    /// log this client lacks, ask for it as a gap (back-off permitting). This is how a client notices that the tail of
    /// the live stream was lost when no later record comes to reveal the gap (repmgr's heartbeat use). For the
    /// Elector, which handles HEARTBEAT.
    /// </summary>
    public void OnMasterProgress(Lsn masterMaxPermLsn)
    {
        if (_ctx.Role != RepRole.Client || !Accepting || _ctx.Master.IsNone)
        {
            return;
        }

        BeginStep();
        if (masterMaxPermLsn >= _ready && _gap.MayRequest())
        {
            _gap.Request(_ready, Lsn.Zero, force: false, reRequest: false, AllowAnywhere);
        }
    }

    /// <summary>
    /// The master announced itself (NEWMASTER) with the end of its log. Berkeley DB's <c>__rep_new_master</c> asks
    /// for what it lacks when the master's LSN is past its ready_lsn (back-off permitting); the end is also kept, so
    /// the tick keeps asking until the log reaches it: the master sends nothing more when it is idle, and a stream's
    /// lost tail would otherwise never be noticed without heartbeats.
    /// </summary>
    public void OnMasterEnd(Lsn masterLogEnd)
    {
        if (_ctx.Role != RepRole.Client || _ctx.Master.IsNone)
        {
            return;
        }

        _masterEnd.Announce(masterLogEnd, _ctx.Master, _ctx.Gen);

        if (!Accepting)
        {
            return;
        }

        BeginStep();
        if (_ready < MasterEnd && _gap.MayRequest())
        {
            _gap.Request(_ready, Lsn.Zero, force: false, reRequest: false, AllowAnywhere);
        }
    }

    /// <summary>The end of the current master's log as it last announced it; zero when not known.</summary>
    private Lsn MasterEnd => _masterEnd.For(_ctx.Master, _ctx.Gen);

    /// <summary>Forgets gap state and parked records (a new master, or sync reset the log).</summary>
    public void Reset()
    {
        _ctx.Emit(new ClearParked());
        _earlyNewFiles.Clear();
        _gap.Reset();
        _acks.Reset();
        _checkpointSyncLsn = Lsn.Zero;
        _moreRequestedFrom = Lsn.Zero;
    }

    public TokenStatus CheckApplied(CommitToken token) => CommitTokenCheck.Check(_ctx, token);

    /// <summary>With leases, ANYWHERE is not used until start-up completes (repmgr's rule): a peer's log may not
    /// reflect what the new master's lease grants cover.</summary>
    private bool AllowAnywhere => !_ctx.Options.Leases || StartupComplete;

    private void BeginStep()
    {
        _ready = _ctx.Store.LogEnd;
        _parkedThisStep = 0;

        // Sync may have truncated the log or cleared the parked records since the last step.
        var lowest = _ctx.Store.ParkedFrom(_ready);
        if (lowest is null)
        {
            if (!_gap.Waiting.IsZero)
            {
                _gap.Closed();
            }
        }
        else if (_gap.Waiting.IsZero)
        {
            _gap.Parked(lowest.Lsn);
        }
        else
        {
            _gap.Waiting = lowest.Lsn;
        }
    }

    /// <summary>Live log traffic is taken only while accepting; otherwise dropped (it is asked for again later).</summary>
    private bool Admit(RepMessage message)
    {
        if (Accepting)
        {
            return true;
        }

        DroppedRecords += message.Payload is BulkPayload bulk ? bulk.Records.Count : 1;
        return false;
    }

    private static IReadOnlyList<LogRecordView> CheckBulk(RepMessage message)
    {
        var records = message.PayloadAs<BulkPayload>().Records;
        if (records is null || records.Count == 0 || records[0].Lsn != message.Lsn)
        {
            throw new MalformedMessageException($"BULK_LOG from {message.From} at {message.Lsn} is empty or does not start there");
        }

        for (var i = 1; i < records.Count; i++)
        {
            if (records[i] is null || records[i].Lsn <= records[i - 1].Lsn)
            {
                throw new MalformedMessageException($"BULK_LOG from {message.From} has records out of order at {i}");
            }
        }

        return records;
    }

    private void Apply(LogRecordView record, RepMessage message, bool lastOfMessage)
    {
        if (record.IsPerm && message.Has(RepControl.Perm))
        {
            _acks.PermReceived(message.LeaseTime);
        }

        var logEnd = lastOfMessage && message.Has(RepControl.LogEnd);
        if (record.Lsn == _ready)
        {
            var streamGoesOn = StreamGoesOn(message, logEnd);
            Append(record);
            _gap.ExpectedArrived();
            MaybeStartupDone(logEnd || !message.Has(RepControl.Resend));
            DrainParked();
            AfterProgress(record.Lsn, streamGoesOn);
        }
        else if (record.Lsn > _ready)
        {
            Park(record);
            if (_gap.MayRequest())
            {
                _gap.Request(_ready, record.Lsn, force: false, reRequest: false, AllowAnywhere);
            }
        }
        else
        {
            Duplicates++;
            if (logEnd)
            {
                MaybeStartupDone(true);
            }

            if (record.IsPerm)
            {
                _acks.Repeat(message.Has(RepControl.Perm) ? message.LeaseTime : -1);
            }
        }
    }

    /// <summary>NEWFILE carries the end of the previous file: at ready, the log moves to the next file.</summary>
    private void ApplyNewFile(RepMessage message)
    {
        if (message.Lsn == _ready)
        {
            var file = message.Lsn.File + 1;
            _ctx.Emit(new StartLogFile(file));
            var streamGoesOn = StreamGoesOn(message, logEnd: false);
            _ready = LogPositions.StartOfFile(file);
            _gap.ExpectedArrived();
            DrainParked();
            AfterProgress(message.Lsn, streamGoesOn);
        }
        else if (message.Lsn < _ready)
        {
            Duplicates++;
        }
        else
        {
            // Beyond a gap: kept (in memory, bounded) until ready reaches it. If it is lost, the server sends it
            // again with the gap, as in Berkeley DB.
            if (_earlyNewFiles.Count < MaxEarlyNewFiles)
            {
                _earlyNewFiles.Add(message.Lsn);
            }
            else
            {
                DroppedRecords++;
            }

            if (!_gap.Waiting.IsZero && _gap.MayRequest())
            {
                _gap.Request(_ready, Lsn.Zero, force: false, reRequest: false, AllowAnywhere);
            }
        }
    }

    private void Append(LogRecordView record)
    {
        _ctx.Emit(new AppendRecords([record]));
        _ready = LogPositions.After(record);
    }

    /// <summary>Applies parked records (and early NEWFILEs) while they continue the log.</summary>
    private void DrainParked()
    {
        while (true)
        {
            _earlyNewFiles.RemoveWhere(l => l < _ready);
            var parked = _ctx.Store.ParkedFrom(_ready);
            if (parked is not null && parked.Lsn == _ready)
            {
                Append(parked);
                _ctx.Emit(new UnparkRecord(parked.Lsn));
                _gap.DrainedParked();
            }
            else if (_earlyNewFiles.Remove(_ready))
            {
                var file = _ready.File + 1;
                _ctx.Emit(new StartLogFile(file));
                _ready = LogPositions.StartOfFile(file);
            }
            else
            {
                _gap.Waiting = parked?.Lsn ?? Lsn.Zero;
                return;
            }
        }
    }

    /// <summary>The message is part of an answer to a request (RESEND) that has not ended with LOG_END, this client
    /// is still behind the end of log its master announced, and it has no gap (no parked records; an answer that
    /// fills a gap ends where the gap does): more of the answer is on the way, until its LOG_MORE or its end. Judged
    /// before the message is applied.</summary>
    private bool StreamGoesOn(RepMessage message, bool logEnd) =>
        message.Has(RepControl.Resend) && !logEnd && _gap.Waiting.IsZero && _ready < MasterEnd;

    /// <summary>After the expected record (and any parked ones): ask for a remaining gap if the back-off allows; while
    /// a stream goes on, hold requests off; else the wait starts over. A pending START_SYNC flush runs once ready
    /// passes its LSN.</summary>
    private void AfterProgress(Lsn received, bool streamGoesOn)
    {
        if (!_gap.Waiting.IsZero)
        {
            if (_gap.MayRequest())
            {
                _gap.Request(_ready, received, force: false, reRequest: false, AllowAnywhere);
            }
        }
        else if (streamGoesOn)
        {
            // Behind the master's end while its answer streams in: a pause in the stream (an fsync, a pause of either
            // process) is no lost tail. A request now would start a second stream over the same log, and every
            // window of each would end with a LOG_MORE that keeps it going: a 512 MB catch-up received 15 times its
            // records. Only a stream silent for the longest interval is asked for again.
            _gap.HoldOff();
        }
        else
        {
            _gap.Closed();
        }

        if (!_checkpointSyncLsn.IsZero && _ready > _checkpointSyncLsn)
        {
            _checkpointSyncLsn = Lsn.Zero;
            _ctx.Emit(new FlushLog());
        }
    }

    private void Park(LogRecordView record)
    {
        if (_ctx.Store.ParkedFrom(record.Lsn) is { } already && already.Lsn == record.Lsn)
        {
            // Parked before: repeats are absorbed (DB_NOOVERWRITE).
            return;
        }

        if (_ctx.Store.ParkedCount + _parkedThisStep >= _ctx.Options.MaxParkedRecords)
        {
            // Full. The records nearest ready are the ones that let the log move on: an earlier record displaces the
            // latest parked one (re-requested later, like any dropped record). Otherwise a client whose bound is full
            // of live records drops every record a gap request brings back but the first, and crawls (seed
            // 1777905509). Once per step: the store shows only earlier steps' parks.
            var last = _ctx.Store.LastParked;
            DroppedRecords++;
            if (_parkedThisStep > 0 || last is null || record.Lsn > last.Lsn)
            {
                return;
            }

            _ctx.Emit(new UnparkRecord(last.Lsn));
        }

        _ctx.Emit(new ParkRecord(record));
        _parkedThisStep++;
        _gap.Parked(record.Lsn);
    }

    private void OnLogMore(RepMessage message)
    {
        if (!Accepting || _ctx.Master.IsNone)
        {
            return;
        }

        // Only the stream ahead goes on. Streams overlap when a gap request goes out while one is under way, and each
        // would otherwise go on for ever, window after window, sending records this client already has: a 512 MB
        // catch-up received 15 times its records and ran at 14 MB/s. A stream whose end this client has passed, or
        // from whose end it already asked for more, is done; should the stream it follows be lost, the gap timer asks
        // again from ready.
        if (message.Lsn < _ready || message.Lsn <= _moreRequestedFrom)
        {
            return;
        }

        // Resume where the server stopped (LOG_MORE may overtake records: ready may be behind it).
        var from = message.Lsn;
        _moreRequestedFrom = from;
        if (_gap.Waiting.IsZero)
        {
            _gap.HoldOff();
        }

        _gap.Request(from, Lsn.Zero, force: true, reRequest: message.From == _ctx.Master, AllowAnywhere);
    }

    /// <summary>START_SYNC: the master is about to checkpoint; flush now if we are there, else once ready passes it.</summary>
    private void OnStartSync(RepMessage message)
    {
        if (message.Lsn <= _ready)
        {
            _ctx.Emit(new FlushLog());
        }
        else if (message.Lsn > _checkpointSyncLsn)
        {
            _checkpointSyncLsn = message.Lsn;
        }
    }

    private void MaybeStartupDone(bool qualifies)
    {
        if (!_expectStartup || !qualifies)
        {
            return;
        }

        _expectStartup = false;
        StartupComplete = true;
        _ctx.Raise(RepEventKind.StartupDone, _ctx.Master);
    }
}
