using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.SyncSites;

namespace OrleansRep.Replication.Tests;

/// <summary>Internal init, master side: snapshots prepared for UPDATE_REQ, PAGE_REQ answered or failed, and snapshots released.</summary>
public sealed class InternalInitMasterTests
{
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

    private static (TestSite Master, FakeSnapshotSource Snapshots) Master()
    {
        var snapshots = new FakeSnapshotSource();
        var state = new RepPersistentState { Role = RepRole.Master, Gen = Gen, Master = MasterId };
        return (new TestSite(2, state: state, snapshots: snapshots), snapshots);
    }

    private static RepMessage UpdateRequest(SiteId from, bool repeat) =>
        new(RepMessageType.UpdateReq, from, Gen, Lsn.Zero, Payload: new UpdateRequestPayload(repeat));

    private static RepMessage ChunkRequest(SiteId from, long snapshotId, int index) =>
        new(RepMessageType.PageReq, from, Gen, Lsn.Zero, Payload: new ChunkRequestPayload(snapshotId, index));
}
