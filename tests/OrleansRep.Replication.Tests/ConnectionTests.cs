using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.TestMessages;

namespace OrleansRep.Replication.Tests;

/// <summary>Connection events from the host (reference section 6, "Connections"): <see cref="PeerConnected"/> and
/// <see cref="PeerDisconnected"/>.</summary>
public sealed class ConnectionTests
{
    private static readonly SiteId S1 = new(1);
    private static readonly SiteId S3 = new(3);

    [Fact]
    public void A_client_whose_master_connects_again_asks_it_MASTER_REQ()
    {
        var client = StartedClient(2, 3);
        client.Receive(Of(RepMessageType.NewMaster, 1, 1));

        var actions = client.Step(new PeerConnected(S1));

        var request = Assert.Single(actions.SendsOf(RepMessageType.MasterReq));
        Assert.Equal(S1, request.To.Site);
        Assert.Empty(actions.EventKinds());
    }

    [Fact]
    public void A_client_behind_an_idle_master_asks_for_the_tail_once_the_master_answers_the_reconnection()
    {
        // Seed 1777905507: the master's log went on past what the client has while the client was cut off; it
        // writes nothing more and sends no heartbeats, so only the reconnection tells the client it is behind.
        var client = Groups.Client();
        var rs = Groups.Chain(LogPositions.StartOfFile(1), 3);
        client.Receive(Groups.Log(rs[0]));
        Assert.Empty(TestSite.Sends(client.Advance(TimeSpan.FromSeconds(10))));

        var request = Assert.Single(client.Step(new PeerConnected(S1)).SendsOf(RepMessageType.MasterReq));
        Assert.Equal(S1, request.To.Site);
        var answer = client.Receive(Groups.Msg(RepMessageType.NewMaster, LogPositions.After(rs[2]))).Concat(client.Advance(TimeSpan.FromMilliseconds(40))).ToList();

        var ask = Assert.Single(answer.SendsOf(RepMessageType.AllReq).Concat(answer.SendsOf(RepMessageType.LogReq)));
        Assert.Equal(S1, ask.To.Site);
        Assert.Equal(LogPositions.After(rs[0]), ask.Message.Lsn);
        Assert.Equal(S1, client.Node.Master);
    }

    [Fact]
    public void A_client_without_a_master_asks_any_peer_that_connects()
    {
        var client = StartedClient(2, 3, new ReplicationOptions { Elections = false });

        var request = Assert.Single(client.Step(new PeerConnected(S3)).SendsOf(RepMessageType.MasterReq));

        Assert.Equal(S3, request.To.Site);
    }

    [Fact]
    public void A_client_ignores_a_connection_to_another_client()
    {
        var client = StartedClient(2, 3);
        client.Receive(Of(RepMessageType.NewMaster, 1, 1));

        Assert.Empty(client.Step(new PeerConnected(S3)));
        Assert.Empty(client.Step(new PeerDisconnected(S3)));
        Assert.Equal(S1, client.Node.Master);
    }

    [Fact]
    public void A_client_that_loses_its_master_raises_MASTER_FAILURE_and_starts_a_fast_election()
    {
        var client = StartedClient(2, 3);
        client.Receive(Of(RepMessageType.NewMaster, 1, 1));

        var actions = client.Step(new PeerDisconnected(S1));

        Assert.Equal([RepEventKind.MasterFailure], actions.EventKinds());
        Assert.Equal(S1, TestSite.Events(actions).Single().Site);
        Assert.Equal(SiteId.None, client.Node.Master);
        var vote = (VotePayload)Assert.Single(actions.SendsOf(RepMessageType.Vote1)).Message.Payload!;
        Assert.Equal(2, vote.Nsites); // the group less the lost master
        Assert.Equal(2, vote.Nvotes);
    }

    [Fact]
    public void Without_elections_a_client_that_loses_its_master_only_raises_MASTER_FAILURE()
    {
        var client = StartedClient(2, 3, new ReplicationOptions { Elections = false });
        client.Receive(Of(RepMessageType.NewMaster, 1, 1));

        var actions = client.Step(new PeerDisconnected(S1));

        Assert.Equal([RepEventKind.MasterFailure], actions.EventKinds());
        Assert.Empty(actions.SendsOf(RepMessageType.Vote1));
        Assert.Empty(client.Advance(TimeSpan.FromMinutes(1)).SendsOf(RepMessageType.Vote1));
    }

    [Fact]
    public void Losing_the_master_twice_raises_MASTER_FAILURE_once()
    {
        var client = StartedClient(2, 3, new ReplicationOptions { Elections = false });
        client.Receive(Of(RepMessageType.NewMaster, 1, 1));
        client.Step(new PeerDisconnected(S1));

        Assert.Empty(client.Step(new PeerDisconnected(S1)).EventKinds());
    }

    [Fact]
    public void A_master_that_loses_a_client_does_nothing_protocol_visible()
    {
        var master = StartedMaster(1, 3);

        Assert.Empty(master.Step(new PeerDisconnected(new SiteId(2))));
        Assert.Equal(RepRole.Master, master.Node.Role);
    }

    [Fact]
    public void A_master_greets_a_peer_that_connects_with_NEWMASTER_and_its_end_of_log()
    {
        var master = StartedMaster(1, 3);

        var actions = master.Step(new PeerConnected(new SiteId(2)));

        var greeting = Assert.Single(TestSite.Sends(actions));
        Assert.Equal(RepMessageType.NewMaster, greeting.Message.Type);
        Assert.Equal(new SiteId(2), greeting.To.Site);
        Assert.Equal(master.Store.LogEnd, greeting.Message.Lsn);
        Assert.Empty(actions.EventKinds());
    }

    [Fact]
    public void Of_two_idle_masters_that_connect_the_older_generation_steps_down_and_follows_the_newer()
    {
        // Seeds 767 and 1074: a partition healed with a master on each side; neither wrote again and heartbeats were
        // off, so nothing ever made either hear of the other, and the group kept two masters.
        var older = StartedMaster(1, 3);
        var newer = StartedMaster(3, 3, state: new RepPersistentState { Gen = older.Node.Gen + 3, Egen = older.Node.Gen + 4 });
        Assert.True(newer.Node.Gen > older.Node.Gen);

        var fromOlder = Assert.Single(TestSite.Sends(older.Step(new PeerConnected(S3))));
        var fromNewer = Assert.Single(TestSite.Sends(newer.Step(new PeerConnected(S1))));
        var atNewer = newer.Receive(fromOlder.Message);
        var atOlder = older.Receive(fromNewer.Message);

        Assert.Empty(atNewer.EventKinds());
        Assert.Equal(RepRole.Master, newer.Node.Role);
        Assert.Equal(RepRole.Client, older.Node.Role);
        Assert.Equal(S3, older.Node.Master);
        Assert.Equal(newer.Node.Gen, older.Node.Gen);
        Assert.Contains(RepEventKind.NewMaster, atOlder.EventKinds());
    }

    [Fact]
    public void A_client_drawn_into_an_election_that_fails_asks_the_master_it_still_follows_for_its_end_of_log()
    {
        // Seed 590: a peer that lost the master started an election; this client, still following the master, took
        // part and set aside the records the master sent during the apply lockout. The election failed, the master
        // wrote nothing more, and the client stayed behind for good.
        var client = StartedClient(2, 3);
        client.Receive(Of(RepMessageType.NewMaster, 1, 1));
        var joined = client.Receive(Vote1(3, Vote(client.Node.State.Egen)));
        Assert.NotEmpty(joined.SendsOf(RepMessageType.Vote1));

        var actions = Enumerable.Range(0, 4).SelectMany(_ => client.Advance(new ReplicationOptions().ElectionTimeout)).ToList();

        Assert.Contains(RepEventKind.ElectionFailed, actions.EventKinds());
        var request = Assert.Single(actions.SendsOf(RepMessageType.MasterReq));
        Assert.Equal(S1, request.To.Site);
        Assert.Equal(S1, client.Node.Master);
    }

    [Fact]
    public void A_site_not_started_ignores_connection_events()
    {
        var site = new TestSite(2, state: InGroup(3));

        Assert.Empty(site.Step(new PeerConnected(S1)));
        Assert.Empty(site.Step(new PeerDisconnected(S1)));
    }
}

public sealed class VerifyingVoteTests
{
    [Fact]
    public void A_client_verifying_against_a_new_master_that_it_loses_votes_at_priority_0()
    {
        // Seed 248: a former master rejoined as client with its own generation's tail not yet rolled back; its master
        // crashed mid-verify and it won the fast election with that tail (credited to the new generation), losing
        // acknowledged writes. Berkeley DB: a client in a recovery mode of any kind votes at priority 0 (rep069).
        var store = new MemoryReplicaStore();
        store.AppendLocal(RecordKind.Data, new byte[40]);
        store.AppendLocal(RecordKind.Commit, new byte[40]);
        var client = new TestSite(2, state: Groups.Client().Node.State, store: store);
        var newMaster = new SiteId(3);
        var joined = client.Receive(new RepMessage(RepMessageType.NewMaster, newMaster, Groups.Gen + 1, store.LogEnd, Payload: new NewMasterPayload(store.LogEnd)));
        Assert.Single(joined.SendsOf(RepMessageType.VerifyReq));

        var actions = client.Step(new PeerDisconnected(newMaster));

        var vote = (VotePayload)Assert.Single(actions.SendsOf(RepMessageType.Vote1)).Message.Payload!;
        Assert.Equal(0, vote.Priority);
        Assert.False(vote.Electable);
    }

    [Theory]
    [InlineData(0u, false)] // an empty log (seed 37): no VOTE2, the election fails
    [InlineData(99u, true)] // a newer data generation than this client holds: it gets the VOTE2
    public void A_verifying_client_gives_its_VOTE2_only_to_a_winner_whose_log_is_not_behind_its_own(uint winnerDataGen, bool votes)
    {
        // Seeds 37, 1853 (and 4, 56, 640, 1136, 1487, 1672, 1775): the only site left holding acknowledged writes was
        // verifying against a master that then failed, so it voted unelectable; it still sent its VOTE2 to the
        // electable site with the older data generation (or the shorter log), which became master without them.
        var store = new MemoryReplicaStore();
        store.AppendLocal(RecordKind.Data, new byte[40]);
        store.AppendLocal(RecordKind.Commit, new byte[40]);
        var client = new TestSite(2, state: Groups.Client().Node.State, store: store);
        var newMaster = new SiteId(3);
        client.Receive(new RepMessage(RepMessageType.NewMaster, newMaster, Groups.Gen + 1, store.LogEnd, Payload: new NewMasterPayload(store.LogEnd)));
        var own = (VotePayload)Assert.Single(client.Step(new PeerDisconnected(newMaster)).SendsOf(RepMessageType.Vote1)).Message.Payload!;
        Assert.False(own.Electable);

        var phase1 = client.Receive(Vote1(1, Vote(own.Egen, own.Nsites, own.Nvotes, dataGen: winnerDataGen))).ToList();
        phase1.AddRange(client.Advance(new ReplicationOptions().ElectionTimeout));

        Assert.Equal(votes, phase1.SendsOf(RepMessageType.Vote2).Any());
        Assert.Equal(!votes, phase1.EventKinds().Contains(RepEventKind.ElectionFailed));
    }
}
