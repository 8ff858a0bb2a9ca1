using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.TestMessages;

namespace OrleansRep.Replication.Tests;

/// <summary>Elections in a two-site group after the master is lost, with TwoSiteStrict on and off.</summary>
public sealed class TwoSiteStrictTests
{
    [Fact]
    public void In_a_strict_two_site_group_the_survivor_does_not_elect_itself()
    {
        var group = TwoSitesAfterMasterLoss(strict: true);

        var vote = (VotePayload)group[2].Log.OfType<Send>().Last(s => s.Message.Type == RepMessageType.Vote1).Message.Payload!;
        Assert.Equal(2, vote.Nsites);
        Assert.Equal(2, vote.Nvotes);
        Assert.Equal(RepRole.Client, group[2].Node.Role);
        Assert.Contains(RepEventKind.ElectionFailed, group[2].Log.EventKinds());
    }

    [Fact]
    public void In_a_non_strict_two_site_group_the_survivor_elects_itself_with_one_vote()
    {
        var group = TwoSitesAfterMasterLoss(strict: false);

        var vote = (VotePayload)group[2].Log.OfType<Send>().Last(s => s.Message.Type == RepMessageType.Vote1).Message.Payload!;
        Assert.Equal(1, vote.Nvotes);
        Assert.Equal(RepRole.Master, group[2].Node.Role);
    }

    private static TestGroup TwoSitesAfterMasterLoss(bool strict)
    {
        var options = new ReplicationOptions { TwoSiteStrict = strict, HeartbeatMonitor = TimeSpan.FromSeconds(1) };
        var group = new TestGroup(2, _ => options);
        group.Command(1, new StartReplication(RepStartRole.Master));
        group.Command(2, new StartReplication(RepStartRole.Client));
        Assert.Equal(new SiteId(1), group[2].Node.Master);
        group.Down.Add(new SiteId(1));
        group.Run(TimeSpan.FromSeconds(4));
        return group;
    }
}
