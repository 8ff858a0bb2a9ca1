using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;

namespace OrleansRep.Replication.Tests;

public sealed class ClientSyncTests
{
    private const uint Gen = 2;
    private static readonly SiteId MasterId = new(2);
    private static readonly TimeSpan GapMin = TimeSpan.FromMilliseconds(40);

    // ---- verify ------------------------------------------------------------------------------------------------

    [Fact]
    public void Begin_holds_the_log_back_and_asks_the_master_to_verify_the_last_perm_record()
    {
        var client = Client();
        Append(client, RecordKind.Data, RecordKind.Commit, RecordKind.Data, RecordKind.Commit);
        var lastCommit = client.Store.Records[3];

        var actions = client.Run(n => n.Sync.Begin());

        var send = Assert.IsType<Send>(Assert.Single(actions));
        AssertSend(send, RepMessageType.VerifyReq, lastCommit.Lsn, SendOptions.Anywhere);
        Assert.False(client.Node.Applier.Accepting);
        Assert.Equal(SyncPhase.Verify, client.Node.Sync.Phase);

        // The role change locks the API out for its step only; verifying does not.
        Assert.True(client.Node.LockedOut);
        client.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(client.Node.LockedOut);
    }

    [Fact]
    public void Stop_abandons_the_sync_and_lets_the_log_in()
    {
        var client = Client();
        Append(client, RecordKind.Commit);
        client.Run(n => n.Sync.Begin());

        Assert.Empty(client.Run(n => n.Sync.Stop()));

        Assert.Equal(SyncPhase.Off, client.Node.Sync.Phase);
        Assert.True(client.Node.Applier.Accepting);
        Assert.Empty(client.Advance(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_match_at_the_first_try_with_nothing_after_it_asks_for_all_the_log_from_it_and_truncates_nothing()
    {
        var client = Client();
        Append(client, RecordKind.Data, RecordKind.Commit);
        var commit = client.Store.Records[1];
        client.Run(n => n.Sync.Begin());

        var actions = client.Receive(Verify(commit));

        Assert.Equal(3, actions.Count);
        Assert.Equal(Gen, Assert.IsType<PersistState>(actions[0]).State.SyncedGen); // the log now follows this master
        Assert.IsType<ClearParked>(actions[1]);
        AssertSend(Assert.IsType<Send>(actions[2]), RepMessageType.AllReq, commit.Lsn, SendOptions.Anywhere); // from the match: __rep_verify_match
        Assert.True(client.Node.Applier.Accepting);
        Assert.Equal(SyncPhase.Off, client.Node.Sync.Phase);
        Assert.Equal(2, client.Store.Records.Count);
        Assert.False(client.Node.LockedOut);
    }

    [Fact]
    public void A_tail_without_commits_is_truncated_without_a_rollback_report()
    {
        var client = Client();
        Append(client, RecordKind.Commit, RecordKind.Data, RecordKind.Data);
        var commit = client.Store.Records[0];
        client.Run(n => n.Sync.Begin());

        var actions = client.Receive(Verify(commit));

        var truncate = Assert.IsType<TruncateLog>(actions[0]);
        Assert.Equal(LogPositions.After(commit), truncate.To);
        Assert.Empty(truncate.CommitsLost);
        Assert.Empty(TestSite.Events(actions));
        Assert.Equal(LogPositions.After(commit), client.Store.LogEnd);
    }

    [Fact]
    public void A_verify_without_a_record_is_a_mismatch_and_the_walk_steps_back()
    {
        // The master's log ends before the client's verify point: it answers VERIFY with no record (seed 1777905565,
        // where the client threw on it and re-asked forever, its diverged tail never rolled back).
        var client = Client();
        Append(client, RecordKind.Commit, RecordKind.Data, RecordKind.Commit);
        var (c1, c2) = (client.Store.Records[0], client.Store.Records[2]);
        client.Run(n => n.Sync.Begin());

        var back = client.Receive(FromMaster(RepMessageType.Verify, c2.Lsn, null));

        AssertSend(Assert.IsType<Send>(Assert.Single(back)), RepMessageType.VerifyReq, c1.Lsn, SendOptions.Anywhere);
        var actions = client.Receive(Verify(c1));
        Assert.Equal(LogPositions.After(c1), Assert.IsType<TruncateLog>(actions[0]).To);
        Assert.Equal([c1], client.Store.Records);
    }

    [Fact]
    public void A_mismatch_walks_back_over_the_perm_records_and_the_rollback_lists_exactly_the_commits_lost()
    {
        var client = Client();
        Append(client, RecordKind.Commit, RecordKind.Data, RecordKind.Commit, RecordKind.Checkpoint, RecordKind.Data, RecordKind.Commit, RecordKind.Data);
        var r = client.Store.Records;
        var (c1, c2, ckp, c3) = (r[0], r[2], r[3], r[5]);

        var begin = client.Run(n => n.Sync.Begin());
        AssertSend(Assert.IsType<Send>(Assert.Single(begin)), RepMessageType.VerifyReq, c3.Lsn, SendOptions.Anywhere);

        // Each mismatch asks about the PERM record before it (data records are skipped).
        AssertSend(Assert.IsType<Send>(Assert.Single(client.Receive(Verify(c3, differ: true)))), RepMessageType.VerifyReq, ckp.Lsn, SendOptions.Anywhere);
        AssertSend(Assert.IsType<Send>(Assert.Single(client.Receive(Verify(ckp, differ: true)))), RepMessageType.VerifyReq, c2.Lsn, SendOptions.Anywhere);
        AssertSend(Assert.IsType<Send>(Assert.Single(client.Receive(Verify(c2, differ: true)))), RepMessageType.VerifyReq, c1.Lsn, SendOptions.Anywhere);

        var actions = client.Receive(Verify(c1)).ToList();

        var matchEnd = LogPositions.After(c1);
        var truncate = Assert.IsType<TruncateLog>(actions[0]);
        Assert.Equal(matchEnd, truncate.To);
        Assert.Equal([c2.Lsn, c3.Lsn], truncate.CommitsLost);
        var rolledBack = Assert.Single(TestSite.Events(actions));
        Assert.Equal(RepEventKind.RolledBack, rolledBack.Kind);
        Assert.Equal([c2.Lsn, c3.Lsn], rolledBack.Commits);
        Assert.Equal(matchEnd, rolledBack.Lsn);
        var allReq = Assert.Single(TestSite.Sends(actions));
        AssertSend(allReq, RepMessageType.AllReq, c1.Lsn, SendOptions.Anywhere);
        Assert.True(actions.IndexOf(truncate) < actions.IndexOf(allReq), "the log is cut before the master is asked for what follows the match");
        Assert.Contains(actions, a => a is ClearParked);
        Assert.Equal([c1], client.Store.Records);
        Assert.True(client.Node.Applier.Accepting);
    }

    [Fact]
    public void The_truncation_locks_the_api_out_until_the_next_step()
    {
        var client = Client();
        Append(client, RecordKind.Commit, RecordKind.Commit);
        client.Run(n => n.Sync.Begin());
        client.Receive(Verify(client.Store.Records[1], differ: true));

        client.Receive(Verify(client.Store.Records[0]));
        Assert.True(client.Node.LockedOut);

        client.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(client.Node.LockedOut);
    }

    [Fact]
    public void A_late_verify_for_an_earlier_point_of_the_walk_is_ignored()
    {
        var client = Client();
        Append(client, RecordKind.Commit, RecordKind.Commit);
        var (c1, c2) = (client.Store.Records[0], client.Store.Records[1]);
        client.Run(n => n.Sync.Begin());
        client.Receive(Verify(c2, differ: true));

        Assert.Empty(client.Receive(Verify(c2)));
        Assert.Equal(SyncPhase.Verify, client.Node.Sync.Phase);
        Assert.Equal(2, client.Store.Records.Count);
    }

    [Fact]
    public void Mismatches_back_to_the_first_record_start_internal_init()
    {
        var client = Client();
        Append(client, RecordKind.Commit, RecordKind.Data, RecordKind.Commit);
        var (c1, c2) = (client.Store.Records[0], client.Store.Records[2]);
        client.Run(n => n.Sync.Begin());
        client.Receive(Verify(c2, differ: true));

        var actions = client.Receive(Verify(c1, differ: true));

        AssertUpdateRequest(Assert.IsType<Send>(Assert.Single(actions)), repeat: false, SendOptions.None);
        Assert.Equal(SyncPhase.Update, client.Node.Sync.Phase);
        Assert.True(client.Node.InInternalInit);
        Assert.True(client.Node.LockedOut);
        Assert.False(client.Node.Applier.Accepting);
        Assert.Equal(3, client.Store.Records.Count);
    }

    [Fact]
    public void Stepping_back_over_the_only_checkpoint_of_a_log_not_starting_at_file_1_starts_internal_init()
    {
        var client = Client(store: new MemoryReplicaStore(firstFile: 3));
        Append(client, RecordKind.Commit, RecordKind.Checkpoint, RecordKind.Commit);
        var (ckp, c2) = (client.Store.Records[1], client.Store.Records[2]);
        client.Run(n => n.Sync.Begin());
        client.Receive(Verify(c2, differ: true));

        var actions = client.Receive(Verify(ckp, differ: true));

        AssertUpdateRequest(Assert.IsType<Send>(Assert.Single(actions)), repeat: false, SendOptions.None);
    }

    [Fact]
    public void Stepping_back_over_a_checkpoint_goes_on_when_an_earlier_checkpoint_exists_or_the_log_starts_at_file_1()
    {
        var withEarlier = Client(store: new MemoryReplicaStore(firstFile: 3));
        Append(withEarlier, RecordKind.Checkpoint, RecordKind.Commit, RecordKind.Checkpoint, RecordKind.Commit);
        var w = withEarlier.Store.Records;
        withEarlier.Run(n => n.Sync.Begin());
        withEarlier.Receive(Verify(w[3], differ: true));
        AssertSend(Assert.IsType<Send>(Assert.Single(withEarlier.Receive(Verify(w[2], differ: true)))), RepMessageType.VerifyReq, w[1].Lsn, SendOptions.Anywhere);

        var fromFile1 = Client();
        Append(fromFile1, RecordKind.Commit, RecordKind.Checkpoint, RecordKind.Commit);
        var f = fromFile1.Store.Records;
        fromFile1.Run(n => n.Sync.Begin());
        fromFile1.Receive(Verify(f[2], differ: true));
        AssertSend(Assert.IsType<Send>(Assert.Single(fromFile1.Receive(Verify(f[1], differ: true)))), RepMessageType.VerifyReq, f[0].Lsn, SendOptions.Anywhere);
    }

    [Fact]
    public void The_match_may_end_a_log_file_whose_successor_is_cut()
    {
        var client = Client();
        Append(client, RecordKind.Commit);
        var commit = client.Store.Records[0];
        client.Store.Carry([new StartLogFile(2), new AppendRecords([TestSite.Record(LogPositions.StartOfFile(2), RecordKind.Commit)])]);
        client.Run(n => n.Sync.Begin());
        client.Receive(Verify(client.Store.Records[1], differ: true));

        var actions = client.Receive(Verify(commit));

        Assert.Equal(LogPositions.After(commit), Assert.IsType<TruncateLog>(actions[0]).To);
        Assert.Equal(LogPositions.After(commit), client.Store.LogEnd);
    }

    [Fact]
    public void Verify_fail_for_the_record_asked_about_starts_internal_init_and_a_stale_one_is_ignored()
    {
        var client = Client();
        Append(client, RecordKind.Commit, RecordKind.Commit);
        var (c1, c2) = (client.Store.Records[0], client.Store.Records[1]);
        client.Run(n => n.Sync.Begin());
        client.Receive(Verify(c2, differ: true));

        Assert.Empty(client.Receive(FromMaster(RepMessageType.VerifyFail, c2.Lsn)));
        Assert.Equal(SyncPhase.Verify, client.Node.Sync.Phase);

        var actions = client.Receive(FromMaster(RepMessageType.VerifyFail, c1.Lsn));

        AssertUpdateRequest(Assert.IsType<Send>(Assert.Single(actions)), repeat: false, SendOptions.None);
        Assert.Equal(SyncPhase.Update, client.Node.Sync.Phase);
    }

    [Fact]
    public void Verify_fail_at_the_ready_lsn_of_a_synced_client_starts_internal_init()
    {
        var client = Client();
        Append(client, RecordKind.Commit);
        client.Run(n => n.Sync.Begin());
        client.Receive(Verify(client.Store.Records[0]));
        Assert.Equal(SyncPhase.Off, client.Node.Sync.Phase);

        var actions = client.Receive(FromMaster(RepMessageType.VerifyFail, client.Store.LogEnd));

        AssertUpdateRequest(Assert.IsType<Send>(Assert.Single(actions)), repeat: false, SendOptions.None);
        Assert.False(client.Node.Applier.Accepting);
    }

    [Fact]
    public void With_autorollback_off_a_tail_with_commits_is_refused_with_would_rollback_and_kept()
    {
        var client = Client(new ReplicationOptions { AutoRollback = false });
        Append(client, RecordKind.Commit, RecordKind.Commit, RecordKind.Data, RecordKind.Commit);
        var r = client.Store.Records;
        client.Run(n => n.Sync.Begin());
        client.Receive(Verify(r[3], differ: true));

        var actions = client.Receive(Verify(r[1], differ: true));
        actions = client.Receive(Verify(r[0]));

        var refusal = Assert.IsType<EmitEvent>(Assert.Single(actions)).Event;
        Assert.Equal(RepEventKind.WouldRollback, refusal.Kind);
        Assert.Equal([r[1].Lsn, r[3].Lsn], refusal.Commits);
        Assert.Equal(4, client.Store.Records.Count);
        Assert.Equal(SyncPhase.Refused, client.Node.Sync.Phase);
        Assert.False(client.Node.Applier.Accepting);

        // Refused: no repeats on ticks; the operator's SyncNow tries again from the end of the log.
        Assert.Empty(client.Advance(TimeSpan.FromSeconds(5)));
        var retry = client.Command(new SyncNow());
        AssertSend(Assert.IsType<Send>(Assert.Single(retry)), RepMessageType.VerifyReq, r[3].Lsn, SendOptions.Anywhere);
    }

    [Fact]
    public void With_autorollback_off_a_tail_without_commits_is_still_truncated()
    {
        var client = Client(new ReplicationOptions { AutoRollback = false });
        Append(client, RecordKind.Commit, RecordKind.Data);
        client.Run(n => n.Sync.Begin());

        var actions = client.Receive(Verify(client.Store.Records[0]));

        Assert.IsType<TruncateLog>(actions[0]);
        Assert.Empty(TestSite.Events(actions));
    }

    [Fact]
    public void Verify_requests_are_repeated_with_back_off_and_rerequest_until_answered()
    {
        var client = Client();
        Append(client, RecordKind.Commit);
        var lsn = client.Store.Records[0].Lsn;
        client.Run(n => n.Sync.Begin());

        Assert.Empty(client.Advance(GapMin - TimeSpan.FromMilliseconds(1)));
        AssertSend(Assert.IsType<Send>(Assert.Single(client.Advance(TimeSpan.FromMilliseconds(1)))), RepMessageType.VerifyReq, lsn, SendOptions.ReRequest);
        Assert.Empty(client.Advance(2 * GapMin - TimeSpan.FromMilliseconds(1)));
        AssertSend(Assert.IsType<Send>(Assert.Single(client.Advance(TimeSpan.FromMilliseconds(1)))), RepMessageType.VerifyReq, lsn, SendOptions.ReRequest);

        // The wait doubles up to RequestGapMax (1.28 s) and stays there.
        var waits = new List<long>();
        var last = client.Now;
        for (var i = 0; i < 1000 && waits.Count < 6; i++)
        {
            if (client.Advance(TimeSpan.FromMilliseconds(10)).Count > 0)
            {
                waits.Add((client.Now - last) / 1000);
                last = client.Now;
            }
        }

        Assert.Equal([160, 320, 640, 1280, 1280, 1280], waits);
    }

    // ---- empty log, AUTOINIT, DELAYCLIENT, restart ---------------------------------------------------------------

    [Fact]
    public void An_empty_log_starts_internal_init()
    {
        var client = Client();

        var actions = client.Run(n => n.Sync.Begin());

        AssertUpdateRequest(Assert.IsType<Send>(Assert.Single(actions)), repeat: false, SendOptions.None);
        Assert.True(client.Node.InInternalInit);
    }

    [Fact]
    public void With_autoinit_off_a_client_that_needs_internal_init_reports_join_failure()
    {
        var client = Client(new ReplicationOptions { AutoInit = false });

        var actions = client.Run(n => n.Sync.Begin());

        var failure = Assert.IsType<EmitEvent>(Assert.Single(actions)).Event;
        Assert.Equal(RepEventKind.JoinFailure, failure.Kind);
        Assert.Equal(MasterId, failure.Site);
        Assert.Equal(SyncPhase.Refused, client.Node.Sync.Phase);
        Assert.False(client.Node.InInternalInit);
        Assert.Empty(client.Advance(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_delayed_client_waits_without_requests_until_sync_now()
    {
        var client = Client(new ReplicationOptions { DelayClient = true });
        Append(client, RecordKind.Commit);

        Assert.Empty(client.Run(n => n.Sync.Begin()));
        Assert.False(client.Node.Applier.Accepting);
        Assert.Equal(SyncPhase.Delayed, client.Node.Sync.Phase);
        Assert.Empty(client.Advance(TimeSpan.FromSeconds(10)));

        var actions = client.Command(new SyncNow());

        AssertSend(Assert.IsType<Send>(Assert.Single(actions)), RepMessageType.VerifyReq, client.Store.Records[0].Lsn, SendOptions.Anywhere);
        Assert.Equal(SyncPhase.Verify, client.Node.Sync.Phase);
    }

    [Fact]
    public void Sync_now_on_a_client_that_is_not_delayed_does_nothing()
    {
        var client = Client();
        Append(client, RecordKind.Commit);
        client.Run(n => n.Sync.Begin());
        client.Receive(Verify(client.Store.Records[0]));

        Assert.Empty(client.Command(new SyncNow()));
        Assert.Equal(SyncPhase.Off, client.Node.Sync.Phase);
    }

    [Fact]
    public void A_site_restarted_mid_init_is_not_electable_and_starts_init_over_instead_of_verifying()
    {
        var state = ClientState() with { InitSnapshotId = 77 };
        var client = new TestSite(1, state: state);
        Append(client, RecordKind.Commit, RecordKind.Commit);

        Assert.True(client.Node.InInternalInit);
        Assert.True(client.Node.LockedOut);

        var actions = client.Run(n => n.Sync.Begin());

        AssertUpdateRequest(Assert.IsType<Send>(Assert.Single(actions)), repeat: false, SendOptions.None);
        Assert.Equal(SyncPhase.Update, client.Node.Sync.Phase);
    }

    [Fact]
    public void A_new_master_during_internal_init_starts_init_over_with_it()
    {
        var client = Client();
        client.Run(n => n.Sync.Begin());
        client.Receive(Update(snapshotId: 5, chunks: 3, first: LogPositions.StartOfFile(1), end: LogPositions.StartOfFile(1)));
        Assert.Equal(SyncPhase.Page, client.Node.Sync.Phase);

        var actions = client.Run(n => n.Sync.Begin());

        AssertUpdateRequest(Assert.IsType<Send>(Assert.Single(actions)), repeat: false, SendOptions.None);
        Assert.Null(client.Node.Sync.Transfer);
    }

    [Fact]
    public void A_new_master_before_any_update_arrived_verifies_again_as_the_log_is_still_intact()
    {
        var client = Client();
        Append(client, RecordKind.Commit);
        var commit = client.Store.Records[0];
        client.Run(n => n.Sync.Begin());
        client.Receive(FromMaster(RepMessageType.VerifyFail, commit.Lsn));
        Assert.Equal(SyncPhase.Update, client.Node.Sync.Phase);

        var actions = client.Run(n => n.Sync.Begin());

        AssertSend(Assert.IsType<Send>(Assert.Single(actions)), RepMessageType.VerifyReq, commit.Lsn, SendOptions.Anywhere);
        Assert.False(client.Node.InInternalInit);
    }

    // ---- internal init, client side -------------------------------------------------------------------------------

    [Fact]
    public void Update_persists_the_marker_before_the_host_empties_the_site_then_chunks_are_requested()
    {
        var client = Client();
        Append(client, RecordKind.Commit, RecordKind.Data);
        client.Run(n => n.Sync.Begin());
        client.Receive(Verify(client.Store.Records[0], differ: true));
        var first = new Lsn(4, 100);

        var actions = client.Receive(Update(snapshotId: 9, chunks: 3, first, end: new Lsn(4, 500)));

        var persist = Assert.IsType<PersistState>(actions[0]);
        Assert.Equal(9, persist.State.InitSnapshotId);
        Assert.Equal(new BeginInternalInit(9, first), actions[1]);
        var requests = actions.Skip(2).OfType<Send>().ToList();
        Assert.Equal([0, 1, 2], requests.Select(s => s.Message.PayloadAs<ChunkRequestPayload>().Index));
        Assert.All(requests, s => AssertSend(s, RepMessageType.PageReq, first, SendOptions.None));
        Assert.All(requests, s => Assert.Equal(9, s.Message.PayloadAs<ChunkRequestPayload>().SnapshotId));
        Assert.Empty(client.Store.Records);
        Assert.Equal(first, client.Store.LogEnd);
        Assert.Equal(9, client.Store.State.InitSnapshotId);
    }

    [Fact]
    public void No_more_than_the_window_of_chunks_is_requested_or_stored_at_once()
    {
        var client = Client();
        client.Run(n => n.Sync.Begin());

        var actions = client.Receive(Update(snapshotId: 9, chunks: 20, LogPositions.StartOfFile(1), LogPositions.StartOfFile(1)));
        Assert.Equal(Enumerable.Range(0, InitTransfer.Window), TestSite.Sends(actions).Select(s => s.Message.PayloadAs<ChunkRequestPayload>().Index));

        // A chunk arrives: it is being stored, still inside the window, so nothing new is asked for until it is stored.
        var store = Assert.IsType<StoreSnapshotChunk>(Assert.Single(client.Receive(Chunk(9, 0, 20))));
        var next = client.Step(new Completed(store.ActionId, true));
        AssertChunkRequests(next, InitTransfer.Window);
    }

    [Fact]
    public void Internal_init_end_to_end_with_a_lost_chunk_re_requested_ends_with_init_done()
    {
        var snapshots = new FakeSnapshotSource();
        var master = new TestSite(2, state: new RepPersistentState { Role = RepRole.Master, Gen = Gen, Master = MasterId }, snapshots: snapshots);
        Append(master, RecordKind.Data, RecordKind.Commit, RecordKind.Checkpoint);
        var client = Client();

        // Begin on an empty log: UPDATE_REQ; the master has its host prepare a snapshot.
        var prepare = Assert.IsType<PrepareSnapshot>(Assert.Single(Deliver(client.Run(n => n.Sync.Begin()), master)));
        var firstLsn = master.Store.LogEnd;
        Append(master, RecordKind.Data, RecordKind.Commit); // committed while the snapshot was being written
        var chunks = FakeSnapshotSource.MakeChunks(5);
        snapshots.Add(prepare.SnapshotId, chunks);
        var updateSend = Assert.Single(TestSite.Sends(master.Step(new Completed(prepare.ActionId, true))));
        Assert.Equal(client.Id, updateSend.To.Site);

        // UPDATE: marker, begin, five PAGE_REQs; the one for chunk 2 is lost.
        var onUpdate = client.Receive(updateSend.Message, updateSend.Flags);
        Assert.Equal(prepare.SnapshotId, Assert.IsType<PersistState>(onUpdate[0]).State.InitSnapshotId);
        Assert.Equal(new BeginInternalInit(prepare.SnapshotId, firstLsn), onUpdate[1]);
        var pageRequests = TestSite.Sends(onUpdate);
        Assert.Equal(5, pageRequests.Count);
        var stores = new List<StoreSnapshotChunk>();
        foreach (var request in pageRequests.Where(s => s.Message.PayloadAs<ChunkRequestPayload>().Index != 2))
        {
            stores.AddRange(Deliver(master.Receive(request.Message, request.Flags), client).OfType<StoreSnapshotChunk>());
        }

        Assert.Equal([0, 1, 3, 4], stores.Select(s => s.Index));
        Assert.All(stores, s => Assert.Equal(chunks[s.Index], s.Data.ToArray()));
        foreach (var store in stores)
        {
            Assert.Empty(client.Step(new Completed(store.ActionId, true)));
        }

        // The lost request is repeated after the gap wait, to the master, as a re-request.
        Assert.Empty(client.Advance(GapMin - TimeSpan.FromMilliseconds(1)));
        var repeat = Assert.Single(TestSite.Sends(client.Advance(TimeSpan.FromMilliseconds(1))));
        AssertSend(repeat, RepMessageType.PageReq, firstLsn, SendOptions.ReRequest);
        Assert.Equal(2, repeat.Message.PayloadAs<ChunkRequestPayload>().Index);
        var lastStore = Assert.IsType<StoreSnapshotChunk>(Assert.Single(Deliver(master.Receive(repeat.Message, repeat.Flags), client)));
        Assert.Equal(chunks[2], lastStore.Data.ToArray());

        // All chunks stored: the log after the snapshot is asked for, as part of init, and live log is let in.
        Assert.False(client.Node.Applier.Accepting);
        var allReq = Assert.Single(TestSite.Sends(client.Step(new Completed(lastStore.ActionId, true))));
        AssertSend(allReq, RepMessageType.AllReq, firstLsn, SendOptions.None);
        Assert.True(allReq.Message.Has(RepControl.Init));
        Assert.True(client.Node.Applier.Accepting);
        Assert.Equal(SyncPhase.Log, client.Node.Sync.Phase);

        // The applier appends the log (played here by the store); init is done once the master's end is reached.
        var tail = master.Store.Records.Where(r => r.Lsn >= firstLsn).ToList();
        client.Store.Carry([new AppendRecords(tail.Take(1).ToList())]);
        Assert.Empty(client.Advance(TimeSpan.FromMilliseconds(1)));
        Assert.True(client.Node.InInternalInit);

        client.Store.Carry([new AppendRecords(tail.Skip(1).ToList())]);
        // (The applier's acknowledgement of the durable log goes out in the same step; it is not init's business.)
        var done = client.Step(new LogDurable(client.Store.MakeDurable()))
            .Where(a => a is not Send { Message.Type: RepMessageType.Ack })
            .ToList();

        Assert.Equal(4, done.Count);
        Assert.IsType<FlushLog>(done[0]);
        Assert.Equal(new FinishInternalInit(prepare.SnapshotId), done[1]);
        Assert.Equal(0, Assert.IsType<PersistState>(done[2]).State.InitSnapshotId);
        Assert.Equal(Gen, client.Store.State.SyncedGen); // the log now follows this master
        var initDone = Assert.IsType<EmitEvent>(done[3]).Event;
        Assert.Equal(RepEventKind.InitDone, initDone.Kind);
        Assert.Equal(master.Store.LogEnd, initDone.Lsn);
        Assert.False(client.Node.InInternalInit);
        Assert.False(client.Node.LockedOut);
        Assert.Equal(SyncPhase.Off, client.Node.Sync.Phase);
        Assert.Equal(tail.Select(r => r.Lsn), client.Store.Records.Select(r => r.Lsn));
    }

    [Fact]
    public void A_snapshot_with_no_log_after_it_is_done_as_soon_as_its_chunks_are_stored()
    {
        var client = Client();
        client.Run(n => n.Sync.Begin());
        var at = new Lsn(1, 400);
        client.Receive(Update(snapshotId: 3, chunks: 1, first: at, end: at));
        var store = Assert.IsType<StoreSnapshotChunk>(Assert.Single(client.Receive(Chunk(3, 0, 1))));

        var actions = client.Step(new Completed(store.ActionId, true));

        Assert.Empty(TestSite.Sends(actions));
        Assert.Equal(RepEventKind.InitDone, Assert.Single(TestSite.Events(actions)).Kind);
        Assert.Equal(0, client.Store.State.InitSnapshotId);
    }

    [Fact]
    public void A_failed_chunk_store_is_requested_again_and_a_duplicate_chunk_is_stored_once()
    {
        var client = Client();
        client.Run(n => n.Sync.Begin());
        client.Receive(Update(snapshotId: 3, chunks: 2, LogPositions.StartOfFile(1), new Lsn(1, 100)));
        var store = Assert.IsType<StoreSnapshotChunk>(Assert.Single(client.Receive(Chunk(3, 1, 2))));
        Assert.Empty(client.Receive(Chunk(3, 1, 2)));

        var again = client.Step(new Completed(store.ActionId, false));

        var request = Assert.Single(TestSite.Sends(again));
        Assert.Equal(1, request.Message.PayloadAs<ChunkRequestPayload>().Index);
        Assert.Equal(0, client.Node.Sync.Transfer!.StoredCount);
    }

    [Fact]
    public void Page_fail_for_the_snapshot_being_fetched_starts_init_over_with_a_fresh_update_request()
    {
        var client = Client();
        client.Run(n => n.Sync.Begin());
        client.Receive(Update(snapshotId: 3, chunks: 2, LogPositions.StartOfFile(1), new Lsn(1, 100)));

        Assert.Empty(client.Receive(FromMaster(RepMessageType.PageFail, Lsn.Zero, new ChunkRequestPayload(99, 0))));
        var actions = client.Receive(FromMaster(RepMessageType.PageFail, Lsn.Zero, new ChunkRequestPayload(3, 0)));

        AssertUpdateRequest(Assert.IsType<Send>(Assert.Single(actions)), repeat: false, SendOptions.None);
        Assert.Equal(SyncPhase.Update, client.Node.Sync.Phase);
        Assert.Equal(3, client.Store.State.InitSnapshotId); // the marker stays until the next UPDATE replaces it
    }

    [Fact]
    public void A_lost_update_is_asked_for_again_as_a_repeat()
    {
        var client = Client();
        client.Run(n => n.Sync.Begin());

        var actions = client.Advance(GapMin);

        AssertUpdateRequest(Assert.IsType<Send>(Assert.Single(actions)), repeat: true, SendOptions.ReRequest);
    }

    [Fact]
    public void Verify_fail_in_the_log_phase_for_the_log_after_the_snapshot_starts_init_over()
    {
        var client = Client();
        client.Run(n => n.Sync.Begin());
        client.Receive(Update(snapshotId: 3, chunks: 1, new Lsn(1, 100), new Lsn(1, 900)));
        client.Step(new Completed(Assert.IsType<StoreSnapshotChunk>(Assert.Single(client.Receive(Chunk(3, 0, 1)))).ActionId, true));
        Assert.Equal(SyncPhase.Log, client.Node.Sync.Phase);

        var actions = client.Receive(FromMaster(RepMessageType.VerifyFail, new Lsn(1, 100)));

        AssertUpdateRequest(Assert.IsType<Send>(Assert.Single(actions)), repeat: false, SendOptions.None);
        Assert.False(client.Node.Applier.Accepting);
    }

    [Fact]
    public void In_the_log_phase_a_stalled_log_is_asked_for_again_from_where_it_stopped()
    {
        var client = Client();
        client.Run(n => n.Sync.Begin());
        var first = LogPositions.StartOfFile(1);
        client.Receive(Update(snapshotId: 3, chunks: 0, first, new Lsn(1, 900)));
        Assert.Equal(SyncPhase.Log, client.Node.Sync.Phase);

        var actions = client.Advance(GapMin);

        var send = Assert.Single(TestSite.Sends(actions));
        AssertSend(send, RepMessageType.AllReq, first, SendOptions.ReRequest);
        Assert.True(send.Message.Has(RepControl.Init));
    }

    [Fact]
    public void Malformed_sync_messages_are_dropped_and_change_nothing()
    {
        var client = Client();
        Append(client, RecordKind.Commit);
        client.Run(n => n.Sync.Begin());
        var lsn = client.Store.Records[0].Lsn;

        // (A VERIFY without any record is not malformed: the server has none there, see
        // A_VERIFY_without_a_record_is_a_mismatch_and_the_walk_steps_back.)
        Assert.Empty(client.Receive(FromMaster(RepMessageType.Verify, lsn, new NewMasterPayload(lsn))));
        Assert.Empty(client.Receive(FromMaster(RepMessageType.Verify, lsn, new RecordPayload(TestSite.Record(new Lsn(1, 999), RecordKind.Commit)))));
        Assert.Equal(2, client.Node.Dropped);
        Assert.Equal(SyncPhase.Verify, client.Node.Sync.Phase);

        var empty = Client();
        empty.Run(n => n.Sync.Begin());
        Assert.Empty(empty.Receive(Update(snapshotId: 3, chunks: 1, first: new Lsn(2, 28), end: new Lsn(1, 28))));
        Assert.Empty(empty.Receive(Update(snapshotId: 0, chunks: 1, first: new Lsn(1, 28), end: new Lsn(1, 28))));
        Assert.Empty(empty.Receive(Update(snapshotId: 3, chunks: -1, first: new Lsn(1, 28), end: new Lsn(1, 28))));
        Assert.Equal(3, empty.Node.Dropped);
        Assert.Equal(0, empty.Store.State.InitSnapshotId);

        empty.Receive(Update(snapshotId: 3, chunks: 2, first: new Lsn(1, 28), end: new Lsn(1, 28)));
        Assert.Empty(empty.Receive(Chunk(3, 5, 2)));
        Assert.Empty(empty.Receive(Chunk(3, 0, 7)));
        Assert.Equal(5, empty.Node.Dropped);
    }

    // ---- internal init, master side -------------------------------------------------------------------------------

    [Fact]
    public void The_master_prepares_a_snapshot_for_update_req_and_answers_update_when_it_is_ready()
    {
        var (master, snapshots) = Master();
        Append(master, RecordKind.Commit, RecordKind.Commit);
        var client = new SiteId(1);

        var prepare = Assert.IsType<PrepareSnapshot>(Assert.Single(master.Receive(UpdateRequest(client, repeat: false))));
        var firstLsn = master.Store.LogEnd;
        Assert.Empty(master.Receive(UpdateRequest(client, repeat: true))); // still being prepared
        Append(master, RecordKind.Commit);
        snapshots.Add(prepare.SnapshotId, FakeSnapshotSource.MakeChunks(3));

        var update = Assert.IsType<Send>(Assert.Single(master.Step(new Completed(prepare.ActionId, true))));

        Assert.Equal(Destination.To(client), update.To);
        Assert.Equal(RepMessageType.Update, update.Message.Type);
        Assert.Equal(master.Store.LogEnd, update.Message.Lsn);
        Assert.Equal(new UpdatePayload(firstLsn, prepare.SnapshotId, 3), update.Message.Payload);

        // A repeat (the UPDATE was lost) gets the same snapshot again.
        var again = Assert.IsType<Send>(Assert.Single(master.Receive(UpdateRequest(client, repeat: true))));
        Assert.Equal(new UpdatePayload(firstLsn, prepare.SnapshotId, 3), again.Message.Payload);
    }

    [Fact]
    public void The_master_answers_page_req_with_the_chunk_and_page_fail_once_the_snapshot_is_gone()
    {
        var (master, snapshots) = Master();
        var client = new SiteId(1);
        var prepare = Assert.IsType<PrepareSnapshot>(Assert.Single(master.Receive(UpdateRequest(client, repeat: false))));
        var chunks = FakeSnapshotSource.MakeChunks(3, salt: 7);
        snapshots.Add(prepare.SnapshotId, chunks);
        master.Step(new Completed(prepare.ActionId, true));

        var page = Assert.IsType<Send>(Assert.Single(master.Receive(ChunkRequest(client, prepare.SnapshotId, 1))));
        Assert.Equal(Destination.To(client), page.To);
        Assert.Equal(RepMessageType.Page, page.Message.Type);
        var payload = page.Message.PayloadAs<ChunkPayload>();
        Assert.Equal((prepare.SnapshotId, 1, 3), (payload.SnapshotId, payload.Index, payload.Count));
        Assert.Equal(chunks[1], payload.Data.ToArray());

        snapshots.Remove(prepare.SnapshotId);
        var fail = master.Receive(ChunkRequest(client, prepare.SnapshotId, 2));

        var failSend = Assert.Single(TestSite.Sends(fail));
        Assert.Equal(RepMessageType.PageFail, failSend.Message.Type);
        Assert.Equal(new ChunkRequestPayload(prepare.SnapshotId, 2), failSend.Message.Payload);
        Assert.Contains(new ReleaseSnapshot(prepare.SnapshotId), fail);
        Assert.Equal(0, master.Node.Sync.Server.Count);

        // A snapshot the master never had fails the same way.
        Assert.Equal(RepMessageType.PageFail, Assert.IsType<Send>(Assert.Single(master.Receive(ChunkRequest(client, 12345, 0)))).Message.Type);
    }

    [Fact]
    public void A_fresh_update_req_replaces_the_clients_snapshot_and_idle_snapshots_are_released()
    {
        var (master, snapshots) = Master();
        var client = new SiteId(1);
        var first = Assert.IsType<PrepareSnapshot>(Assert.Single(master.Receive(UpdateRequest(client, repeat: false))));
        snapshots.Add(first.SnapshotId, FakeSnapshotSource.MakeChunks(1));
        master.Step(new Completed(first.ActionId, true));

        var replaced = master.Receive(UpdateRequest(client, repeat: false));

        Assert.Equal(2, replaced.Count);
        Assert.Equal(new ReleaseSnapshot(first.SnapshotId), replaced[0]);
        var second = Assert.IsType<PrepareSnapshot>(replaced[1]);
        Assert.NotEqual(first.SnapshotId, second.SnapshotId);
        snapshots.Add(second.SnapshotId, FakeSnapshotSource.MakeChunks(1));
        master.Step(new Completed(second.ActionId, true));

        Assert.Empty(master.Advance(TimeSpan.FromSeconds(59)));
        Assert.Equal([new ReleaseSnapshot(second.SnapshotId)], master.Advance(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void The_master_keeps_at_most_the_bound_of_snapshots_releasing_the_least_recently_used()
    {
        var (master, _) = Master();
        var prepared = new List<PrepareSnapshot>();
        for (var site = 10; site < 10 + InitSnapshotServer.MaxSnapshots; site++)
        {
            master.Advance(TimeSpan.FromMilliseconds(1));
            prepared.Add(Assert.IsType<PrepareSnapshot>(Assert.Single(master.Receive(UpdateRequest(new SiteId(site), repeat: false)))));
        }

        var actions = master.Receive(UpdateRequest(new SiteId(99), repeat: false));

        Assert.Equal(new ReleaseSnapshot(prepared[0].SnapshotId), actions[0]);
        Assert.IsType<PrepareSnapshot>(actions[1]);
        Assert.Equal(InitSnapshotServer.MaxSnapshots, master.Node.Sync.Server.Count);
    }

    [Fact]
    public void A_site_that_is_not_master_ignores_update_req()
    {
        var client = Client();

        Assert.Empty(client.Receive(UpdateRequest(new SiteId(3), repeat: false)));
    }

    [Fact]
    public void A_failed_snapshot_preparation_is_released_without_an_answer()
    {
        var (master, _) = Master();
        var prepare = Assert.IsType<PrepareSnapshot>(Assert.Single(master.Receive(UpdateRequest(new SiteId(1), repeat: false))));

        Assert.Equal([new ReleaseSnapshot(prepare.SnapshotId)], master.Step(new Completed(prepare.ActionId, false)));
        Assert.IsType<PrepareSnapshot>(Assert.Single(master.Receive(UpdateRequest(new SiteId(1), repeat: true))));
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private static RepPersistentState ClientState() => new() { Role = RepRole.Client, Gen = Gen, Master = MasterId };

    private static TestSite Client(ReplicationOptions? options = null, MemoryReplicaStore? store = null) =>
        new(1, options, ClientState(), store);

    private static (TestSite Master, FakeSnapshotSource Snapshots) Master()
    {
        var snapshots = new FakeSnapshotSource();
        var state = new RepPersistentState { Role = RepRole.Master, Gen = Gen, Master = MasterId };
        return (new TestSite(2, state: state, snapshots: snapshots), snapshots);
    }

    /// <summary>Appends records of <paramref name="kinds"/> to the site's log, each with content derived from its LSN.</summary>
    private static void Append(TestSite site, params RecordKind[] kinds)
    {
        foreach (var kind in kinds)
        {
            site.Store.AppendLocal(kind, TestSite.Record(site.Store.LogEnd, kind).Frame);
        }
    }

    /// <summary>Delivers the sends among <paramref name="actions"/> addressed to <paramref name="to"/>; returns the
    /// actions the deliveries caused there.</summary>
    private static List<RepAction> Deliver(IEnumerable<RepAction> actions, TestSite to)
    {
        var caused = new List<RepAction>();
        foreach (var send in TestSite.Sends(actions).Where(s => s.To.IsBroadcast || s.To.Site == to.Id))
        {
            caused.AddRange(to.Receive(send.Message, send.Flags));
        }

        return caused;
    }

    private static RepMessage FromMaster(RepMessageType type, Lsn lsn, RepPayload? payload = null) => new(type, MasterId, Gen, lsn, Payload: payload);

    /// <summary>The master's VERIFY for <paramref name="mine"/>: the same bytes, or different ones.</summary>
    private static RepMessage Verify(LogRecordView mine, bool differ = false) =>
        FromMaster(RepMessageType.Verify, mine.Lsn, new RecordPayload(differ ? TestSite.Record(mine.Lsn, mine.Kind, mine.Frame.Length, salt: 1) : mine));

    private static RepMessage Update(long snapshotId, int chunks, Lsn first, Lsn end) =>
        FromMaster(RepMessageType.Update, end, new UpdatePayload(first, snapshotId, chunks));

    private static RepMessage Chunk(long snapshotId, int index, int count) =>
        FromMaster(RepMessageType.Page, Lsn.Zero, new ChunkPayload(snapshotId, index, count, new byte[] { (byte)index }));

    private static RepMessage UpdateRequest(SiteId from, bool repeat) =>
        new(RepMessageType.UpdateReq, from, Gen, Lsn.Zero, Payload: new UpdateRequestPayload(repeat));

    private static RepMessage ChunkRequest(SiteId from, long snapshotId, int index) =>
        new(RepMessageType.PageReq, from, Gen, Lsn.Zero, Payload: new ChunkRequestPayload(snapshotId, index));

    private static void AssertSend(Send send, RepMessageType type, Lsn lsn, SendOptions flags)
    {
        Assert.Equal(Destination.To(MasterId), send.To);
        Assert.Equal(type, send.Message.Type);
        Assert.Equal(lsn, send.Message.Lsn);
        Assert.Equal(flags, send.Flags);
        Assert.Equal(Gen, send.Message.Gen);
    }

    private static void AssertUpdateRequest(Send send, bool repeat, SendOptions flags)
    {
        Assert.Equal(Destination.To(MasterId), send.To);
        Assert.Equal(RepMessageType.UpdateReq, send.Message.Type);
        Assert.Equal(new UpdateRequestPayload(repeat), send.Message.Payload);
        Assert.Equal(flags, send.Flags);
    }

    private static void AssertChunkRequests(IEnumerable<RepAction> actions, params int[] indexes) =>
        Assert.Equal(indexes, TestSite.Sends(actions).Select(s => s.Message.PayloadAs<ChunkRequestPayload>().Index));
}
