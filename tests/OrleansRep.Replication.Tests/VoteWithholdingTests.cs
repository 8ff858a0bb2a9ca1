using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.TestMessages;

namespace OrleansRep.Replication.Tests;

/// <summary>A voter whose own VOTE1 was unelectable for a passing reason (mid-init or mid-verify when it was sent) never
/// gives its VOTE2 to a winner behind its own log: seen on processes, a client holding ~1 GB of Quorum-acknowledged
/// writes elected a restarted, nearly empty site, which then rolled them back.</summary>
public sealed class VoteWithholdingTests
{
    private static TestSite ClientWithCommits(long initSnapshotId, int priority = 100)
    {
        var store = new MemoryReplicaStore();
        for (var i = 0; i < 4; i++)
        {
            store.AppendLocal(RecordKind.Commit, new byte[40]);
        }

        var state = InGroup(3, priority: priority) with
        {
            Gen = 3,
            Egen = 4,
            History = [new GenerationStart(3, new SiteId(2), new Lsn(1, 0))],
            SyncedGen = 3,
            InitSnapshotId = initSnapshotId,
        };
        var site = new TestSite(1, null, state, store);
        site.Command(new StartReplication(RepStartRole.Client));
        return site;
    }

    private static List<RepAction> ElectWithAnEmptySite(TestSite site)
    {
        var mine = site.Command(new CallElection()).SendsOf(RepMessageType.Vote1).Single();
        var egen = ((VotePayload)mine.Message.Payload!).Egen;
        // Site 3: electable, an older data generation and nothing committed (a restarted site whose log is gone).
        var actions = new List<RepAction>(site.Receive(Vote1(3, Vote(egen, nsites: 3, nvotes: 2, dataGen: 0))));
        actions.AddRange(site.Advance(TimeSpan.FromSeconds(10))); // past the 2 s election timeout: phase 1 ends (site 2 never votes)
        return actions;
    }

    [Fact]
    public void A_client_that_voted_unelectable_mid_init_withholds_its_VOTE2_from_a_winner_behind_it()
    {
        var site = ClientWithCommits(initSnapshotId: 7);

        var actions = ElectWithAnEmptySite(site);

        Assert.Empty(actions.SendsOf(RepMessageType.Vote2));
    }

    [Fact]
    public void A_site_of_configured_priority_0_still_votes_for_the_only_electable_site()
    {
        var site = ClientWithCommits(initSnapshotId: 0, priority: 0);

        var actions = ElectWithAnEmptySite(site);

        Assert.Equal(new SiteId(3), Assert.Single(actions.SendsOf(RepMessageType.Vote2)).To.Site);
    }
}
