using OrleansRep.Replication;
using OrleansRep.Simulation.Runs;
using OrleansRep.Simulation.Sites;

namespace OrleansRep.Simulation.Tests.Runs;

public sealed class ClusterShapeTests
{
    private static readonly List<ClusterShape> Shapes = Enumerable.Range(1, 400).Select(seed => ClusterShape.From(seed)).ToList();

    [Fact]
    public void Seeds_pick_three_to_seven_sites_with_at_least_two_electable()
    {
        Assert.All(Shapes, s => Assert.InRange(s.Sites.Count, ClusterShape.MinSites, ClusterShape.MaxSites));
        Assert.All(Shapes, s => Assert.True(s.Sites.Count(x => x.Options.Priority > 0) >= 2));
        Assert.Equal(Enumerable.Range(3, 5), Shapes.Select(s => s.Sites.Count).Distinct().Order());
        Assert.All(Shapes, s => Assert.True(s.Sites.Single(x => x.Id == s.FirstMaster).Options.Priority > 0));
    }

    [Fact]
    public void Some_seeds_have_priority_zero_sites_and_turn_on_options_that_are_off_by_default()
    {
        Assert.Contains(Shapes, s => s.Sites.Any(x => x.Options.Priority == 0));
        Assert.Contains(Shapes, s => s.Options.Bulk);
        Assert.Contains(Shapes, s => s.Options.Leases);
        Assert.Contains(Shapes, s => s.Options.DelayClient);
        Assert.Contains(Shapes, s => !s.Options.TwoSiteStrict);
        Assert.Contains(Shapes, s => s.Start == StartMode.AllElect);
        Assert.Contains(Shapes, s => s.Start == StartMode.OneMaster);
        Assert.Equal(Enum.GetValues<AckPolicy>().Order(), Shapes.Select(s => s.Options.AckPolicy).Distinct().Order());
        Assert.True(Shapes.Count(s => !s.Options.Bulk && !s.Options.Leases && !s.Options.DelayClient) > Shapes.Count / 2, "the defaults stay the common case");
    }

    [Fact]
    public void Clock_drift_stays_within_the_lease_skew_bound()
    {
        foreach (var shape in Shapes)
        {
            var bound = shape.Options.Leases ? SimClock.MaxDriftFor(shape.Options.ClockSkew) : 200;
            Assert.All(shape.Sites, s => Assert.InRange(s.DriftPpm, -bound, bound));
            Assert.All(shape.Sites, s => Assert.InRange(s.TickInterval, SimTime.Ms(2), SimTime.Ms(10)));
            Assert.All(shape.Sites, s => s.Options.Validate());
        }
    }

    [Fact]
    public void Overriding_the_site_count_leaves_the_rest_of_the_shape_as_the_seed_says()
    {
        var natural = ClusterShape.From(11);
        var same = ClusterShape.From(11, natural.Sites.Count);
        Assert.Equal(natural.Describe(), same.Describe());
        Assert.Equal(natural.Sites, same.Sites);

        var five = ClusterShape.From(11, 5);
        Assert.Equal(5, five.Sites.Count);
        Assert.Equal(natural.Options.AckPolicy, five.Options.AckPolicy);
    }
}
