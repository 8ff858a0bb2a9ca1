namespace OrleansRep.Grains.Recovery;

/// <summary>
/// The takeover run's plan (CTDB's IP reallocation, for shard masterships): one handover at a time. A shard mastered by
/// a site that must give it up (banned, stopped) goes first, to the eligible site with the least load; else one shard
/// moves from the most loaded eligible site to the least loaded when that narrows the gap between them enough.
/// <para>
/// Load is writes: a site's load is the sum of its shards' weights, a shard's weight its commit rate plus a floor
/// (a tenth of the mean rate), so that idle shards still spread by count. Without rates (none measured yet, or no writes
/// at all) every shard weighs 1 and masterships spread by count, as CTDB spreads addresses. A move of weight
/// <c>w</c> from load <c>hi</c> to load <c>lo</c> lowers the higher of the two by <c>min(w, hi - lo - w)</c>; the move
/// that lowers it most is made, and only when it lowers it by at least a tenth (<see cref="MinimumGain"/>; by count on
/// a few shards: when the two differ by 2 or more), so that rates that wobble do not move masters back and forth.
/// </para>
/// Pure and deterministic (ties: the lower site id takes; of equal moves the lowest shard moves).
/// </summary>
public static class TakeoverPlanner
{
    /// <summary>The share of the most loaded site's load a move must take off it to be worth a handover.</summary>
    public const double MinimumGain = 0.1;

    /// <summary>The next move, or null when the masterships are spread (or nothing can move).</summary>
    /// <param name="masters">Every shard's master (0: none).</param>
    /// <param name="eligible">Sites that may take a mastership: answering, not banned or stopped, priority above 0.</param>
    /// <param name="mustLeave">Sites whose masterships must move (banned, stopped).</param>
    /// <param name="commitRates">Commits per second of each shard (missing: 0); null or all zero: spread by count.</param>
    /// <param name="balance">Whether to spread masterships among eligible sites too (false: only the moves away from
    /// <paramref name="mustLeave"/>).</param>
    public static (int Shard, int From, int To, string Why)? Plan(IReadOnlyDictionary<int, int> masters, IReadOnlyCollection<int> eligible, IReadOnlySet<int> mustLeave, IReadOnlyDictionary<int, double>? commitRates = null, bool balance = true)
    {
        ArgumentNullException.ThrowIfNull(masters);
        ArgumentNullException.ThrowIfNull(eligible);
        ArgumentNullException.ThrowIfNull(mustLeave);
        var targets = eligible.Where(s => !mustLeave.Contains(s)).ToList();
        if (targets.Count == 0)
        {
            return null;
        }

        var weights = Weights(masters.Keys, commitRates);
        var byRate = weights.Values.Distinct().Count() > 1;
        var load = targets.ToDictionary(s => s, s => masters.Where(m => m.Value == s).Sum(m => weights[m.Key]));
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
        if (least == 0)
        {
            return null;
        }

        var gap = most.Value - load[least];
        var best = masters.Where(m => m.Value == most.Key)
            .Select(m => (Shard: m.Key, Gain: Math.Min(weights[m.Key], gap - weights[m.Key])))
            .OrderByDescending(c => c.Gain).ThenBy(c => c.Shard)
            .FirstOrDefault();
        if (best.Gain <= 0 || best.Gain < MinimumGain * most.Value - 1e-9)
        {
            return null;
        }

        return (best.Shard, most.Key, least, byRate
            ? FormattableString.Invariant($"site {most.Key} takes {Rate(load[most.Key], weights)} of the writes, site {least} {Rate(load[least], weights)}: spreading writes (shard {best.Shard} moves)")
            : FormattableString.Invariant($"site {most.Key} masters {most.Value:0} shards, site {least} {load[least]:0}: spreading writes"));
    }

    /// <summary>Each shard's weight: its rate plus a floor of a tenth of the mean rate; 1 each without rates.</summary>
    private static Dictionary<int, double> Weights(IEnumerable<int> shards, IReadOnlyDictionary<int, double>? rates)
    {
        var list = shards.ToList();
        var rate = list.ToDictionary(s => s, s => Math.Max(0, rates?.GetValueOrDefault(s) ?? 0));
        var mean = list.Count == 0 ? 0 : rate.Values.Sum() / list.Count;
        return mean <= 0 ? list.ToDictionary(s => s, _ => 1.0) : rate.ToDictionary(r => r.Key, r => r.Value + (mean / 10));
    }

    private static string Rate(double load, Dictionary<int, double> weights) =>
        FormattableString.Invariant($"{100 * load / weights.Values.Sum():0}%");
}
