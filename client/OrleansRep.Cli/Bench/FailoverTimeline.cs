using System.Globalization;
using OrleansRep.Client;
using OrleansRep.Replication;

namespace OrleansRep.Cli.Bench;

/// <summary>
/// Where one failover's time went, from the surviving sites' event feeds (each replica's recent events as
/// <c>GetStatus</c> reports them: "{time:O} {kind} gen {gen}"), as milliseconds after the kill: the first survivor to
/// raise MASTER_FAILURE (it noticed), the winner's ELECTED and MASTER, the other survivors' NEWMASTER and STARTUPDONE
/// (synced with the new master: its acks now count), and the first write the client saw acknowledged. The sites and the
/// benchmark run on one machine, so their wall clocks agree. A phase not seen (its event fell out of the retained
/// window, or did not happen) is null.
/// </summary>
internal sealed record FailoverTimeline(double? NoticedMs, double? ElectedMs, double? MasterMs, double? PeerStartupMs, double AckedMs)
{
    /// <summary>The phases, in order, by name (for the report's medians).</summary>
    public IEnumerable<(string Phase, double? Ms)> Phases =>
        [("noticed", NoticedMs), ("elected", ElectedMs), ("master", MasterMs), ("peer_startup", PeerStartupMs), ("acked", AckedMs)];

    /// <summary>Builds the timeline of a failover of shard <paramref name="shard"/> from <paramref name="status"/>, taken
    /// after the new master <paramref name="newMaster"/> acknowledged a write in generation <paramref name="gen"/>.</summary>
    public static FailoverTimeline From(ClusterStatus status, int shard, int newMaster, uint gen, DateTimeOffset killedAt, double ackedMs)
    {
        var events = status.Replicas
            .Where(r => r.Shard == shard)
            .SelectMany(r => r.RecentEvents.Select(Parse).OfType<(DateTimeOffset Time, string Kind, uint Gen)>().Select(e => (r.Site, e.Time, e.Kind, e.Gen)))
            .Where(e => e.Time >= killedAt)
            .ToList();

        double? First(Func<(int Site, DateTimeOffset Time, string Kind, uint Gen), bool> match) =>
            events.Where(match).Select(e => (double?)Math.Round((e.Time - killedAt).TotalMilliseconds, 1)).Min();

        return new FailoverTimeline(
            First(e => e.Kind == nameof(RepEventKind.MasterFailure)),
            First(e => e.Site == newMaster && e.Kind == nameof(RepEventKind.Elected)),
            First(e => e.Site == newMaster && e.Kind == nameof(RepEventKind.Master) && e.Gen == gen),
            First(e => e.Site != newMaster && e.Kind == nameof(RepEventKind.StartupDone) && e.Gen == gen),
            ackedMs);
    }

    /// <summary>One line for the progress output: "noticed +8.1, elected +40.2, ...".</summary>
    public override string ToString() =>
        string.Join(", ", Phases.Select(p => p.Ms is { } ms ? string.Create(CultureInfo.InvariantCulture, $"{p.Phase} +{ms:F1}") : $"{p.Phase} ?"));

    /// <summary>Medians of each phase over <paramref name="timelines"/> (the trials where it was seen).</summary>
    public static IReadOnlyDictionary<string, double> Medians(IReadOnlyList<FailoverTimeline> timelines) =>
        timelines.SelectMany(t => t.Phases)
            .Where(p => p.Ms is not null)
            .GroupBy(p => p.Phase)
            .ToDictionary(g => g.Key, g => Math.Round(Median([.. g.Select(p => p.Ms!.Value)]), 1));

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    // "2026-11-21T13:09:48.1234567+00:00 MasterFailure gen 14" (LogShardGrain.GetStatus).
    private static (DateTimeOffset Time, string Kind, uint Gen)? Parse(string line)
    {
        var parts = line.Split(' ');
        return parts.Length == 4 && parts[2] == "gen"
            && DateTimeOffset.TryParse(parts[0], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time)
            && uint.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var gen)
                ? (time, parts[1], gen)
                : null;
    }
}
