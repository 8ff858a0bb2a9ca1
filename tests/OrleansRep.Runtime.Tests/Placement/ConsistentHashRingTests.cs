using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Placement;

namespace OrleansRep.Runtime.Tests.Placement;

public sealed class ConsistentHashRingTests
{
    private static readonly string[] Keys = [.. Enumerable.Range(0, 3000).Select(i => $"grain/{i}")];

    internal static SiloAddress Silo(int port, long generation = 1) => new("127.0.0.1", port, generation);

    [Fact]
    public void Every_ring_over_the_same_silos_assigns_every_key_alike_whatever_their_order()
    {
        var one = new ConsistentHashRing([Silo(1001), Silo(1002), Silo(1003)], 30);
        var two = new ConsistentHashRing([Silo(1003), Silo(1001), Silo(1002)], 30);

        Assert.All(Keys, key => Assert.Equal(one.Owner(key), two.Owner(key)));
    }

    [Fact]
    public void Keys_spread_over_every_silo()
    {
        var ring = new ConsistentHashRing([Silo(1001), Silo(1002), Silo(1003)], 30);

        var counts = Keys.GroupBy(ring.Owner).ToDictionary(g => g.Key!, g => g.Count());

        Assert.Equal(3, counts.Count);
        // With 30 points each, no silo should be starved: each gets well over a tenth of the keys.
        Assert.All(counts.Values, count => Assert.True(count > Keys.Length / 10, $"a silo got only {count} of {Keys.Length} keys"));
    }

    [Fact]
    public void A_joining_silo_takes_keys_only_for_itself_and_no_more_than_its_share()
    {
        var before = new ConsistentHashRing([Silo(1001), Silo(1002), Silo(1003)], 30);
        var after = new ConsistentHashRing([Silo(1001), Silo(1002), Silo(1003), Silo(1004)], 30);

        var moved = Keys.Where(key => before.Owner(key) != after.Owner(key)).ToList();

        Assert.NotEmpty(moved);
        Assert.All(moved, key => Assert.Equal(Silo(1004), after.Owner(key)));
        Assert.True(moved.Count < Keys.Length / 2, $"{moved.Count} of {Keys.Length} keys moved for one joining silo");
    }

    [Fact]
    public void When_a_silo_leaves_only_its_keys_move()
    {
        var before = new ConsistentHashRing([Silo(1001), Silo(1002), Silo(1003)], 30);
        var after = new ConsistentHashRing([Silo(1001), Silo(1003)], 30);

        Assert.All(Keys.Where(key => before.Owner(key) != Silo(1002)), key => Assert.Equal(before.Owner(key), after.Owner(key)));
        Assert.All(Keys, key => Assert.NotEqual(Silo(1002), after.Owner(key)));
    }

    [Fact]
    public void A_silo_restarted_on_the_same_endpoint_takes_back_the_same_keys()
    {
        var before = new ConsistentHashRing([Silo(1001), Silo(1002, generation: 5)], 30);
        var after = new ConsistentHashRing([Silo(1001), Silo(1002, generation: 9)], 30);

        Assert.All(Keys, key => Assert.Equal(before.Owner(key)!.Port, after.Owner(key)!.Port));
    }

    [Fact]
    public void An_empty_ring_owns_nothing_and_bad_input_is_refused()
    {
        Assert.Null(new ConsistentHashRing([], 30).Owner("a"));
        Assert.Throws<ArgumentException>(() => new ConsistentHashRing([Silo(1001, 1), Silo(1001, 2)], 30));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConsistentHashRing([Silo(1001)], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConsistentHashRing([Silo(1001)], PlacementOptions.MaxVirtualNodesPerSilo + 1));
    }
}
