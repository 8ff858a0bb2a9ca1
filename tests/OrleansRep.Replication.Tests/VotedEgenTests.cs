using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.TestMessages;

namespace OrleansRep.Replication.Tests;

/// <summary>A VOTE2 is a promise (<see cref="RepPersistentState.VotedEgen"/>): the voter follows no master of an older
/// generation afterwards, so a deposed master can never count its acknowledgement for a write the winner lacks.</summary>
public sealed class VotedEgenTests
{
    private static readonly SiteId S1 = new(1);
    private static readonly SiteId S3 = new(3);

    /// <summary>A client of master site1 (gen 1) that gave its VOTE2 to site3 in the election site3 started.</summary>
    private static (TestSite Client, uint Egen) VotedForSite3()
    {
        var client = StartedClient(2, 3);
        client.Receive(Of(RepMessageType.NewMaster, 1, 1));
        var egen = client.Node.State.Egen;
        var actions = client.Receive(Vote1(3, Vote(egen, nsites: 2, nvotes: 2, priority: 200), gen: 1));
        Assert.Equal(S3, Assert.Single(actions.SendsOf(RepMessageType.Vote2)).To.Site);
        return (client, egen);
    }

    [Fact]
    public void The_vote_is_persisted_before_it_is_sent_and_the_voter_no_longer_follows_the_old_master()
    {
        var client = StartedClient(2, 3);
        client.Receive(Of(RepMessageType.NewMaster, 1, 1));
        var egen = client.Node.State.Egen;

        var actions = client.Receive(Vote1(3, Vote(egen, nsites: 2, nvotes: 2, priority: 200), gen: 1)).ToList();

        var persisted = actions.IndexOf<Actions.PersistState>(p => p.State.VotedEgen == egen);
        var sent = actions.IndexOf<Actions.Send>(s => s.Message.Type == RepMessageType.Vote2);
        Assert.InRange(persisted, 0, sent - 1);
        Assert.Equal(SiteId.None, client.Node.Master);
    }

    [Fact]
    public void The_old_master_announcing_itself_after_the_vote_is_refused_and_told_it_may_be_a_duplicate()
    {
        // Seed 26: the old master answered this client's VOTE1 with NEWMASTER after the client had given its VOTE2 to
        // site2; the client took that as "the election is moot", applied and acknowledged the old master's next
        // commit, and site2 won with the client's vote and a log without it: an acknowledged write was lost.
        var (client, _) = VotedForSite3();

        var announced = client.Receive(Of(RepMessageType.NewMaster, 1, 1, new NewMasterPayload(client.Store.LogEnd), client.Store.LogEnd));
        var record = TestSite.Record(client.Store.LogEnd, RecordKind.Commit);
        var logged = client.Receive(new RepMessage(RepMessageType.Log, S1, 1, record.Lsn, RepControl.Perm, new RecordPayload(record)));

        Assert.Equal(S1, Assert.Single(announced.SendsOf(RepMessageType.DupMaster)).To.Site);
        Assert.Equal(SiteId.None, client.Node.Master);
        Assert.Empty(logged.OfType<Actions.AppendRecords>());
        Assert.Empty(logged.SendsOf(RepMessageType.Ack));
    }

    [Fact]
    public void The_winner_of_the_election_voted_in_is_followed()
    {
        var (client, egen) = VotedForSite3();

        var actions = client.Receive(Of(RepMessageType.NewMaster, 3, egen, new NewMasterPayload(client.Store.LogEnd), client.Store.LogEnd));

        Assert.Contains(RepEventKind.NewMaster, actions.EventKinds());
        Assert.Equal(S3, client.Node.Master);
        Assert.Empty(actions.SendsOf(RepMessageType.DupMaster));
    }

    [Fact]
    public void An_old_master_told_by_a_voter_that_it_may_be_a_duplicate_steps_down_and_calls_an_election()
    {
        var master = StartedMaster(1, 3);

        var actions = master.Receive(Of(RepMessageType.DupMaster, 2, master.Node.Gen));

        Assert.Equal(RepRole.Client, master.Node.Role);
        Assert.Contains(RepEventKind.DupMaster, actions.EventKinds());
        Assert.NotEmpty(actions.SendsOf(RepMessageType.Vote1));
    }
}
