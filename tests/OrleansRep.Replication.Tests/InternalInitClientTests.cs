using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.SyncMessages;
using static OrleansRep.Replication.Tests.Support.SyncSites;

namespace OrleansRep.Replication.Tests;

/// <summary>Internal init, client side: UPDATE, the chunk window, PAGE_FAIL, the log after the snapshot, and malformed sync messages.</summary>
public sealed class InternalInitClientTests
{
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
        var logBefore = client.Log.Count;
        var finished = client.Step(new LogDurable(client.Store.MakeDurable()));
        // Nothing is acknowledged while the init marker is set (a crash would restart the init clean and drop these
        // records; seed 45031); the flush that ends the init is followed by the acknowledgement.
        Assert.Empty(finished.SendsOf(RepMessageType.Ack));
        var ack = Assert.Single(client.Log.Skip(logBefore + finished.Count).OfType<Send>(), s => s.Message.Type == RepMessageType.Ack);
        Assert.Equal(tail.Last(r => r.IsPerm).Lsn, ack.Message.Lsn);
        var done = finished.ToList();

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

    private static RepMessage Chunk(long snapshotId, int index, int count) =>
        FromMaster(RepMessageType.Page, Lsn.Zero, new ChunkPayload(snapshotId, index, count, new byte[] { (byte)index }));

    private static void AssertChunkRequests(IEnumerable<RepAction> actions, params int[] indexes) =>
        Assert.Equal(indexes, TestSite.Sends(actions).Select(s => s.Message.PayloadAs<ChunkRequestPayload>().Index));
}
