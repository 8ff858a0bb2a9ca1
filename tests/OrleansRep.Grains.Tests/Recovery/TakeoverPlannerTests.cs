using OrleansRep.Grains.Recovery;

namespace OrleansRep.Grains.Tests.Recovery;

/// <summary>The takeover plan spreads writes: by commit rate when there are rates, by count when there are none.</summary>
public sealed class TakeoverPlannerTests
{
    private static readonly HashSet<int> NoneMustLeave = [];

    [Fact]
    public void Without_rates_masterships_spread_by_count()
    {
        var piled = new Dictionary<int, int> { [0] = 1, [1] = 1, [2] = 1 };

        Assert.Equal((0, 1, 2), Move(TakeoverPlanner.Plan(piled, [1, 2, 3], NoneMustLeave)));
        Assert.Equal((0, 1, 3), Move(TakeoverPlanner.Plan(new Dictionary<int, int> { [0] = 1, [1] = 1, [2] = 2 }, [1, 2, 3], NoneMustLeave)));
        Assert.Null(TakeoverPlanner.Plan(new Dictionary<int, int> { [0] = 1, [1] = 2, [2] = 3 }, [1, 2, 3], NoneMustLeave));
        Assert.Null(TakeoverPlanner.Plan(new Dictionary<int, int> { [0] = 1, [1] = 1, [2] = 2, [3] = 3 }, [1, 2, 3], NoneMustLeave, new Dictionary<int, double>())); // no rates: by count
    }

    [Fact]
    public void A_site_with_one_hot_shard_keeps_it_and_gives_its_cold_shards_away()
    {
        // Site 1 masters the hot shard 0 and the cold shard 1; sites 2 and 3 master one cold shard each. By count site 1
        // has one more, which is as even as counts get; by writes it carries most, and only a cold shard can go.
        var masters = new Dictionary<int, int> { [0] = 1, [1] = 1, [2] = 2, [3] = 3 };
        var rates = new Dictionary<int, double> { [0] = 900, [1] = 300, [2] = 10, [3] = 10 };

        var move = TakeoverPlanner.Plan(masters, [1, 2, 3], NoneMustLeave, rates);

        Assert.Equal((1, 1, 2), Move(move));
        Assert.Contains("of the writes", move!.Value.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_hot_shards_on_one_site_are_split_and_then_left_alone()
    {
        var masters = new Dictionary<int, int> { [0] = 1, [1] = 1, [2] = 2, [3] = 3 };
        var rates = new Dictionary<int, double> { [0] = 500, [1] = 500, [2] = 5, [3] = 5 };

        var first = TakeoverPlanner.Plan(masters, [1, 2, 3], NoneMustLeave, rates);
        Assert.Equal((0, 1, 2), Move(first));

        masters[0] = 2;
        Assert.Null(TakeoverPlanner.Plan(masters, [1, 2, 3], NoneMustLeave, rates)); // 505 / 505 / 5+: no single move helps

        // Rates that wobble by a few percent move nothing back.
        var wobbled = new Dictionary<int, double> { [0] = 520, [1] = 480, [2] = 5, [3] = 5 };
        Assert.Null(TakeoverPlanner.Plan(masters, [1, 2, 3], NoneMustLeave, wobbled));
    }

    [Fact]
    public void A_banned_masters_shards_go_first_to_the_least_loaded_site_by_writes()
    {
        var masters = new Dictionary<int, int> { [0] = 1, [1] = 2, [2] = 3, [3] = 3 };
        var rates = new Dictionary<int, double> { [0] = 100, [1] = 800, [2] = 10, [3] = 10 };

        Assert.Equal((0, 1, 3), Move(TakeoverPlanner.Plan(masters, [1, 2, 3], new HashSet<int> { 1 }, rates)));
    }

    private static (int Shard, int From, int To)? Move((int Shard, int From, int To, string Why)? move) =>
        move is { } m ? (m.Shard, m.From, m.To) : null;
}
