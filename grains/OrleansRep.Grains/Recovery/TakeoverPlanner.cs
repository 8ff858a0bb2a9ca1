namespace OrleansRep.Grains.Recovery;

/// <summary>
/// The takeover run's plan (CTDB's IP reallocation, for shard masterships): one handover at a time. A shard mastered by
/// a site that must give it up (banned, stopped) goes first, to the eligible site with the fewest masterships; else,
/// when the most loaded eligible site has at least two more than the least loaded, one of its shards moves there.
/// Pure and deterministic (ties: fewer masterships, then the lower site id takes; the lowest shard moves).
/// </summary>
public static class TakeoverPlanner
{
    /// <summary>The next move, or null when the masterships are spread (or nothing can move).</summary>
    /// <param name="masters">Every shard's master (0: none).</param>
    /// <param name="eligible">Sites that may take a mastership: answering, not banned or stopped, priority above 0.</param>
    /// <param name="mustLeave">Sites whose masterships must move (banned, stopped).</param>
    /// <param name="balance">Whether to spread masterships among eligible sites too (false: only the moves away from
    /// <paramref name="mustLeave"/>).</param>
    public static (int Shard, int From, int To, string Why)? Plan(IReadOnlyDictionary<int, int> masters, IReadOnlyCollection<int> eligible, IReadOnlySet<int> mustLeave, bool balance = true)
    {
        ArgumentNullException.ThrowIfNull(masters);
        ArgumentNullException.ThrowIfNull(eligible);
        ArgumentNullException.ThrowIfNull(mustLeave);
        var targets = eligible.Where(s => !mustLeave.Contains(s)).ToList();
        if (targets.Count == 0)
        {
            return null;
        }

        var load = targets.ToDictionary(s => s, s => masters.Count(m => m.Value == s));
        int LeastLoaded(int except) => load.Where(l => l.Key != except).OrderBy(l => l.Value).ThenBy(l => l.Key).Select(l => l.Key).FirstOrDefault();

        foreach (var (shard, master) in masters.OrderBy(m => m.Key))
        {
            if (mustLeave.Contains(master) && LeastLoaded(master) is var to and > 0)
            {
                return (shard, master, to, $"site {master} must give up its masterships (banned or stopped)");
            }
        }

        if (!balance)
        {
            return null;
        }

        var most = load.OrderByDescending(l => l.Value).ThenBy(l => l.Key).First();
        var least = LeastLoaded(most.Key);
        if (least == 0 || most.Value - load[least] < 2)
        {
            return null;
        }

        var moving = masters.Where(m => m.Value == most.Key).Min(m => m.Key);
        return (moving, most.Key, least, $"site {most.Key} masters {most.Value} shards, site {least} {load[least]}: spreading writes");
    }
}
