using System.Net;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Placement;
using static OrleansRep.Runtime.Tests.Placement.ConsistentHashRingTests;

namespace OrleansRep.Runtime.Tests.Placement;

public sealed class PlacementDirectorTests
{
    private const string GrainType = "Test.Grain";

    private static MembershipView View(params MembershipEntry[] entries) => new(7, entries);

    private static MembershipEntry Active(SiloAddress silo) => new(silo, SiloStatus.Active);

    private static SiteDirectory ThreeSites()
    {
        var sites = new SiteDirectory();
        for (int site = 1; site <= 3; site++)
        {
            sites.Register(site, new IPEndPoint(IPAddress.Loopback, 1000 + site));
        }

        return sites;
    }

    [Fact]
    public void A_site_keyed_grain_goes_to_its_site_silo_whatever_its_hash()
    {
        var director = new PlacementDirector(ThreeSites());
        var view = View(Active(Silo(1001)), Active(Silo(1002)), Active(Silo(1003)));

        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(Silo(1002), director.Place(new GrainId(GrainType, $"shard/{i}@2"), view));
            Assert.Equal(Silo(1003), director.Place(new GrainId(GrainType, $"shard/{i}@3"), view));
        }
    }

    [Fact]
    public void A_site_keyed_grain_follows_its_site_to_a_new_incarnation()
    {
        var director = new PlacementDirector(ThreeSites());
        var view = View(Active(Silo(1001)), new MembershipEntry(Silo(1002, generation: 9), SiloStatus.Active));

        Assert.Equal(Silo(1002, generation: 9), director.Place(new GrainId(GrainType, "x@2"), view));
    }

    [Fact]
    public void An_unregistered_site_is_an_unknown_site_error()
    {
        var director = new PlacementDirector(ThreeSites());

        var error = Assert.Throws<UnknownSiteException>(() => director.Place(new GrainId(GrainType, "x@9"), View(Active(Silo(1001)))));

        Assert.Equal(9, error.SiteId);
        Assert.Contains("x@9", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_site_whose_silo_is_dead_or_absent_is_unavailable()
    {
        var director = new PlacementDirector(ThreeSites());
        var view = View(Active(Silo(1001)), new MembershipEntry(Silo(1002), SiloStatus.Dead));

        Assert.Throws<SiloUnavailableException>(() => director.Place(new GrainId(GrainType, "x@2"), view));
        Assert.Throws<SiloUnavailableException>(() => director.Place(new GrainId(GrainType, "x@3"), view));
    }

    [Fact]
    public void Other_grains_go_only_to_active_silos_and_every_active_silo_gets_some()
    {
        var director = new PlacementDirector(new SiteDirectory());
        var view = View(
            Active(Silo(1001)),
            new MembershipEntry(Silo(1002), SiloStatus.Dead),
            new MembershipEntry(Silo(1003), SiloStatus.Joining),
            Active(Silo(1004)));

        var chosen = Enumerable.Range(0, 500).Select(i => director.Place(new GrainId(GrainType, $"g{i}"), view)).ToHashSet();

        Assert.Equal([Silo(1001), Silo(1004)], chosen.OrderBy(s => s.Port));
    }

    [Fact]
    public void Placement_is_the_same_on_every_director_and_follows_the_view()
    {
        var one = new PlacementDirector(new SiteDirectory());
        var two = new PlacementDirector(new SiteDirectory());
        var three = View(Active(Silo(1001)), Active(Silo(1002)), Active(Silo(1003)));
        var two_left = View(Active(Silo(1001)), new MembershipEntry(Silo(1002), SiloStatus.Dead), Active(Silo(1003)));

        for (int i = 0; i < 300; i++)
        {
            var grain = new GrainId(GrainType, $"g{i}");
            Assert.Equal(one.Place(grain, three), two.Place(grain, three));
            Assert.NotEqual(Silo(1002), one.Place(grain, two_left));
        }
    }

    [Fact]
    public void With_no_active_silo_nothing_can_be_placed()
    {
        var director = new PlacementDirector(new SiteDirectory());

        Assert.Throws<SiloUnavailableException>(() => director.Place(new GrainId(GrainType, "g"), MembershipView.Empty));
    }

    [Fact]
    public void A_site_stays_bound_to_its_first_endpoint()
    {
        var sites = ThreeSites();

        sites.Register(1, new IPEndPoint(IPAddress.Loopback, 1001));
        Assert.Throws<ArgumentException>(() => sites.Register(1, new IPEndPoint(IPAddress.Loopback, 2001)));
        Assert.Throws<ArgumentOutOfRangeException>(() => sites.Register(0, new IPEndPoint(IPAddress.Loopback, 2001)));

        Assert.True(sites.TryGetEndPoint(1, out _, out int port));
        Assert.Equal(1001, port);
        Assert.Equal(3, sites.Count);
    }

    [Fact]
    public void Options_out_of_range_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PlacementDirector(new SiteDirectory(), new PlacementOptions { VirtualNodesPerSilo = 0 }));
    }
}
