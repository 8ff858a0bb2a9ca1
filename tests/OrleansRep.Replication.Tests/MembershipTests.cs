using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using static OrleansRep.Replication.Tests.Support.TestMessages;

namespace OrleansRep.Replication.Tests;

public sealed class MembershipTests
{
    private static readonly SiteInfo Site4 = new(new SiteId(4), "host4:7000", 100);

    [Fact]
    public void The_master_adds_a_site_persists_the_list_before_broadcasting_it_and_raises_SITE_ADDED()
    {
        var master = StartedMaster(1, 3);
        Assert.Equal(1, master.Store.State.MembershipVersion);

        var actions = master.Command(new AddSite(Site4));

        var persist = actions.IndexOf<PersistState>(p => p.State.Sites.ContainsKey(Site4.Id));
        var broadcast = actions.IndexOf<Send>(s => s.Message.Type == RepMessageType.Membership);
        Assert.True(persist >= 0 && broadcast > persist);
        Assert.Equal(2, master.Store.State.MembershipVersion);
        Assert.Equal(4, master.Node.State.Sites.Count);
        var payload = Assert.IsType<MembershipPayload>(((Send)actions[broadcast]).Message.Payload);
        Assert.Equal(2, payload.Version);
        Assert.Equal([1, 2, 3, 4], payload.Sites.Select(s => s.Id.Value));
        Assert.True(((Send)actions[broadcast]).To.IsBroadcast);
        Assert.Equal([RepEventKind.SiteAdded], actions.EventKinds());
        Assert.Equal(Site4.Id, TestSite.Events(actions).Single().Site);
    }

    [Fact]
    public void Adding_a_site_that_is_already_a_member_as_given_changes_nothing()
    {
        var master = StartedMaster(1, 3);
        master.Command(new AddSite(Site4));

        Assert.Empty(master.Command(new AddSite(Site4)));
        Assert.Equal(2, master.Store.State.MembershipVersion);
    }

    [Fact]
    public void A_client_forwards_AddSite_to_its_master_as_a_join_request()
    {
        var client = StartedClient(2, 3);
        client.Receive(Of(RepMessageType.NewMaster, 1, 1));

        var actions = client.Command(new AddSite(Site4));

        var join = Assert.Single(actions.SendsOf(RepMessageType.JoinRequest));
        Assert.Equal(Destination.To(new SiteId(1)), join.To);
        Assert.Equal(new SitePayload(Site4), join.Message.Payload);
        Assert.Equal(3, client.Node.State.Sites.Count);
    }

    [Fact]
    public void A_client_without_a_master_refuses_a_membership_change()
    {
        var client = StartedClient(2, 3);

        Assert.Throws<CommandRefusedException>(() => client.Command(new AddSite(Site4)));
    }

    [Fact]
    public void A_join_request_received_by_the_master_adds_the_site()
    {
        var master = StartedMaster(1, 3);

        var actions = master.Receive(Of(RepMessageType.JoinRequest, 4, 0, new SitePayload(Site4)));

        Assert.Equal(Site4, master.Node.State.Sites[Site4.Id]);
        Assert.Single(actions.SendsOf(RepMessageType.Membership));
        Assert.Equal([RepEventKind.SiteAdded], actions.EventKinds());
    }

    [Fact]
    public void A_join_request_from_a_member_gets_the_list_again_without_a_new_version()
    {
        var master = StartedMaster(1, 3);
        master.Command(new AddSite(Site4));

        var actions = master.Receive(Of(RepMessageType.JoinRequest, 4, 0, new SitePayload(Site4)));

        var list = Assert.Single(actions.SendsOf(RepMessageType.Membership));
        Assert.Equal(Destination.To(Site4.Id), list.To);
        Assert.Equal(2, ((MembershipPayload)list.Message.Payload!).Version);
        Assert.Empty(actions.OfType<PersistState>());
        Assert.Empty(actions.EventKinds());
    }

    [Fact]
    public void A_join_request_reaching_a_client_or_naming_no_site_is_dropped()
    {
        var client = StartedClient(2, 3);
        Assert.Empty(client.Receive(Of(RepMessageType.JoinRequest, 4, 0, new SitePayload(Site4))));
        Assert.Equal(1, client.Node.Dropped);

        var master = StartedMaster(1, 3);
        Assert.Empty(master.Receive(Of(RepMessageType.JoinRequest, 4, 0, new SitePayload(new SiteInfo(SiteId.None, "x", 1)))));
        Assert.Empty(master.Receive(Of(RepMessageType.JoinRequest, 4, 0)));
        Assert.Equal(2, master.Node.Dropped);
        Assert.Equal(3, master.Node.State.Sites.Count);
    }

    [Fact]
    public void Clients_adopt_a_newer_membership_from_the_master_with_events_and_ignore_older_ones()
    {
        var client = StartedClient(2, 3);
        client.Receive(Of(RepMessageType.NewMaster, 1, 1));
        var sites = new List<SiteInfo> { new(new SiteId(1), "a", 100), new(new SiteId(2), "b", 100), Site4 };

        var actions = client.Receive(Of(RepMessageType.Membership, 1, 1, new MembershipPayload(sites, 5)));

        Assert.Equal([RepEventKind.SiteAdded, RepEventKind.SiteRemoved], actions.EventKinds());
        Assert.Equal([new SiteId(4), new SiteId(3)], TestSite.Events(actions).Select(e => e.Site));
        Assert.Equal(5, client.Store.State.MembershipVersion);
        Assert.Equal([1, 2, 4], client.Store.State.Sites.Keys.Select(k => k.Value));

        Assert.Empty(client.Receive(Of(RepMessageType.Membership, 1, 1, new MembershipPayload(sites.Take(2).ToList(), 5))));
        Assert.Equal(3, client.Node.State.Sites.Count);
    }

    [Fact]
    public void A_membership_list_from_a_site_other_than_the_master_is_dropped()
    {
        var client = StartedClient(2, 3);
        client.Receive(Of(RepMessageType.NewMaster, 1, 1));

        var actions = client.Receive(Of(RepMessageType.Membership, 3, 1, new MembershipPayload([Site4], 9)));

        Assert.Empty(actions);
        Assert.Equal(1, client.Node.Dropped);
        Assert.Equal(1, client.Store.State.MembershipVersion);
    }

    [Fact]
    public void A_membership_list_repeating_a_site_is_dropped()
    {
        var client = StartedClient(2, 3);
        client.Receive(Of(RepMessageType.NewMaster, 1, 1));

        var actions = client.Receive(Of(RepMessageType.Membership, 1, 1, new MembershipPayload([Site4, Site4], 9)));

        Assert.Empty(actions);
        Assert.Equal(1, client.Node.Dropped);
    }

    [Fact]
    public void Removing_a_site_raises_SITE_REMOVED_everywhere_and_the_removed_site_stops()
    {
        var group = new TestGroup(3);
        group.Command(1, new StartReplication(RepStartRole.Master));
        group.Command(2, new StartReplication(RepStartRole.Client));
        group.Command(3, new StartReplication(RepStartRole.Client));

        group.Command(2, new RemoveSite(new SiteId(3))); // forwarded to the master

        Assert.Equal([1, 2], group[1].Node.State.Sites.Keys.Select(k => k.Value));
        Assert.Equal([1, 2], group[2].Node.State.Sites.Keys.Select(k => k.Value));
        Assert.Contains(RepEventKind.SiteRemoved, group[1].Log.EventKinds());
        Assert.Contains(RepEventKind.SiteRemoved, group[2].Log.EventKinds());
        Assert.Equal(RepEventKind.LocalSiteRemoved, group[3].Log.EventKinds()[^1]);
        Assert.DoesNotContain(RepEventKind.SiteRemoved, group[3].Log.EventKinds());
        Assert.Equal(RepRole.None, group[3].Node.Role);
        Assert.Equal(RepRole.None, group[3].Store.State.Role);
    }

    [Fact]
    public void A_removed_site_takes_no_part_in_elections()
    {
        var group = new TestGroup(3);
        group.Command(1, new StartReplication(RepStartRole.Master));
        group.Command(2, new StartReplication(RepStartRole.Client));
        group.Command(3, new StartReplication(RepStartRole.Client));
        group.Command(1, new RemoveSite(new SiteId(3)));

        var actions = group[3].Receive(Vote1(2, Vote(2, nsites: 2, nvotes: 2), gen: 1));

        Assert.Empty(actions);
    }

    [Fact]
    public void The_master_cannot_be_removed()
    {
        var master = StartedMaster(1, 3);

        Assert.Throws<CommandRefusedException>(() => master.Command(new RemoveSite(new SiteId(1))));
        Assert.Equal(3, master.Node.State.Sites.Count);
    }

    [Fact]
    public void Setting_the_priority_on_the_master_persists_it_and_rebroadcasts_the_membership()
    {
        var master = StartedMaster(1, 3);

        var actions = master.Command(new SetPriority(7));

        Assert.Equal(7, master.Store.State.Sites[new SiteId(1)].Priority);
        var list = Assert.IsType<MembershipPayload>(Assert.Single(actions.SendsOf(RepMessageType.Membership)).Message.Payload);
        Assert.Equal(7, list.Sites.Single(s => s.Id == new SiteId(1)).Priority);
        Assert.Equal(2, list.Version);
        Assert.Empty(actions.EventKinds());
    }

    [Fact]
    public void Setting_the_priority_on_a_client_persists_it_and_tells_the_master_which_rebroadcasts()
    {
        var group = new TestGroup(3);
        group.Command(1, new StartReplication(RepStartRole.Master));
        group.Command(2, new StartReplication(RepStartRole.Client));
        group.Command(3, new StartReplication(RepStartRole.Client));

        var actions = group.Command(2, new SetPriority(0));

        Assert.Equal(0, Assert.IsType<PersistState>(actions[0]).State.Sites[new SiteId(2)].Priority);
        Assert.All(group.Sites, s => Assert.Equal(0, s.Node.State.Sites[new SiteId(2)].Priority));
        Assert.All(group.Sites, s => Assert.Equal(2, s.Node.State.MembershipVersion));
    }

    [Fact]
    public void A_priority_set_to_zero_makes_the_site_vote_unelectable()
    {
        var client = StartedClient(2, 3);
        client.Command(new SetPriority(0));

        var vote = (VotePayload)Assert.Single(client.Command(new CallElection()).SendsOf(RepMessageType.Vote1)).Message.Payload!;

        Assert.False(vote.Electable);
    }

    [Fact]
    public void A_site_that_joins_learns_the_group_and_the_group_size_grows()
    {
        var group = new TestGroup(3);
        group.Command(1, new StartReplication(RepStartRole.Master));
        group.Command(2, new StartReplication(RepStartRole.Client));
        group.Command(3, new StartReplication(RepStartRole.Client));
        group.Command(1, new AddSite(Site4));

        // Every member knows 4 sites, so an election needs 3 votes.
        var vote = (VotePayload)Assert.Single(group[2].Command(new CallElection()).SendsOf(RepMessageType.Vote1)).Message.Payload!;
        Assert.Equal(4, vote.Nsites);
        Assert.Equal(3, vote.Nvotes);
    }

    [Fact]
    public void Invalid_membership_commands_are_refused_and_change_nothing()
    {
        var master = StartedMaster(1, 3);

        Assert.Throws<ArgumentException>(() => master.Command(new AddSite(new SiteInfo(new SiteId(4), "x", -1))));
        Assert.Throws<ArgumentException>(() => master.Command(new SetPriority(-1)));
        Assert.Throws<ArgumentException>(() => master.Command(new RemoveSite(SiteId.None)));
        Assert.Equal(1, master.Store.State.MembershipVersion);
    }

    [Fact]
    public void Removing_an_unknown_site_on_the_master_changes_nothing()
    {
        var master = StartedMaster(1, 3);

        Assert.Empty(master.Command(new RemoveSite(new SiteId(9))));
    }

    [Fact]
    public void Membership_lists_survive_a_restart()
    {
        var master = StartedMaster(1, 3);
        master.Command(new AddSite(Site4));

        var restarted = new TestSite(1, null, master.Store.State, master.Store);

        Assert.Equal(4, restarted.Node.State.Sites.Count);
        Assert.Equal(2, restarted.Node.State.MembershipVersion);
    }
}
