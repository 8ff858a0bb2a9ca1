using System.Globalization;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Runtime.Core;

namespace OrleansRep.Silo.Dashboard;

/// <summary>
/// Turns one round of site readings into a <see cref="DashboardSnapshot"/>: the cluster map, and rates from the
/// difference with the previous reading of the same site incarnation (counters restart with a process or a replica's
/// activation; a counter that went down counts from zero). Not thread-safe: the producer calls it from its one loop.
/// </summary>
internal sealed class DashboardAggregator
{
    /// <summary>The grain methods that commit a write at a shard's master: their latency is the commit latency.</summary>
    private static readonly string[] CommitMethods = [nameof(ILogShardGrain.Put), nameof(ILogShardGrain.Delete), nameof(ILogShardGrain.Batch)];

    /// <summary>The grain type of <see cref="ILogShardGrain"/> (its class is internal to the grains assembly; the
    /// dashboard test's commit latency fails if it is renamed).</summary>
    private const string ShardGrainType = "OrleansRep.Grains.Shards.LogShardGrain";

    /// <summary>A client that has not heard from its master for longer is shown lagging.</summary>
    private static readonly long LaggingMs = 2_000;

    private readonly Dictionary<int, (DashboardSiteSample Sample, DateTimeOffset Time)> _previous = [];
    private long _tick;

    /// <summary>The snapshot of this round. <paramref name="samples"/> holds the sites that answered.</summary>
    public DashboardSnapshot Build(int self, IReadOnlyList<SiteHealth> sites, IReadOnlyDictionary<int, DashboardSiteSample> samples, IReadOnlyList<DashboardEvent> newEvents, DateTimeOffset now, RecoveryStatus? recovery = null)
    {
        // The recovery master's bans, shown on each of the banned site's replicas.
        var bans = recovery?.Bans.ToDictionary(b => b.Site, b => string.Create(CultureInfo.InvariantCulture, $"banned until {b.Until:HH:mm:ss}: {b.Reason}")) ?? [];
        var shards = samples.Values.SelectMany(s => s.Status?.Shards ?? []).Select(r => r.Shard).Distinct().Order().ToArray();
        var siteRows = sites.Select(s => new DashboardSite(s.Id, s.Address, s.Priority, s.Healthy, samples.ContainsKey(s.Id))).ToArray();
        var replicas = new List<DashboardReplica>();
        long maxLagBytes = 0, maxLagMs = 0;
        foreach (var shard in shards)
        {
            var masterEnd = MasterLogEnd(samples.Values, shard);
            var behind = MasterOf(samples.Values, shard)?.ClientsBehind.ToDictionary(c => c.Site) ?? [];
            foreach (var site in siteRows)
            {
                var replica = samples.TryGetValue(site.Id, out var sample) ? sample.Status?.Shards.FirstOrDefault(r => r.Shard == shard) : null;
                if (replica is null)
                {
                    replicas.Add(new DashboardReplica(site.Id, shard, "?", 0, 0, "", 0, null, null, null, false, -1, site.Reachable ? "unknown" : "down", bans.GetValueOrDefault(site.Id, "")));
                    continue;
                }

                var (lagBytes, lagFiles) = Lag(masterEnd, replica.LogEnd);
                var health = replica.Removed ? "removed"
                    : replica.Master == 0 ? "no-master"
                    : replica.Role != RepRole.Master && (replica.LagMs < 0 || replica.LagMs > LaggingMs || lagFiles > 0) ? "lagging"
                    : "ok";
                var counted = replica.Role == RepRole.Master ? null : behind.GetValueOrDefault(site.Id);
                if (counted is not null)
                {
                    // The master counted it in its log, across files: records and bytes it has not had acknowledged.
                    (lagBytes, lagFiles) = (counted.Bytes, null);
                }

                maxLagBytes = Math.Max(maxLagBytes, lagBytes ?? 0);
                maxLagMs = Math.Max(maxLagMs, replica.LagMs);
                replicas.Add(new DashboardReplica(site.Id, shard, replica.Role.ToString(), replica.Gen, replica.Master, FormatLsn(replica.LogEnd), replica.LogEnd, lagBytes, lagFiles, counted?.Records, counted?.AtLeast == true, replica.LagMs, health, bans.GetValueOrDefault(site.Id, "")));
            }
        }

        long commits = 0;
        var commitLatency = new List<GrainCallCounts>();
        var grainRates = new Dictionary<string, (long Activations, List<GrainCallCounts> Calls)>(StringComparer.Ordinal);
        var seconds = 0.0;
        foreach (var (site, sample) in samples)
        {
            var previous = _previous.TryGetValue(site, out var p) && p.Sample.Incarnation == sample.Incarnation ? p : default;
            if (previous.Sample is not null)
            {
                seconds = Math.Max(seconds, (now - previous.Time).TotalSeconds);
            }

            foreach (var replica in sample.Status?.Shards ?? [])
            {
                var before = previous.Sample?.Status?.Shards.FirstOrDefault(r => r.Shard == replica.Shard)?.Counters;
                if (replica.Counters is { } counters && previous.Sample is not null)
                {
                    commits += Increase(counters.Commits, before?.Commits);
                }
            }

            foreach (var type in sample.Grains)
            {
                var earlier = previous.Sample?.Grains.FirstOrDefault(g => g.GrainType == type.GrainType);
                var row = grainRates.TryGetValue(type.GrainType, out var r) ? r : (0, []);
                row.Activations += type.Activations;
                if (previous.Sample is not null)
                {
                    row.Calls.Add(Since(type.Calls, earlier?.Calls));
                    if (type.GrainType == ShardGrainType)
                    {
                        commitLatency.AddRange(type.Methods.Where(m => CommitMethods.Contains(m.Name))
                            .Select(m => Since(m, earlier?.Methods.FirstOrDefault(e => e.Name == m.Name))));
                    }
                }

                grainRates[type.GrainType] = row;
            }

            _previous[site] = (sample, now);
        }

        foreach (var gone in _previous.Keys.Where(k => !samples.ContainsKey(k)).ToArray())
        {
            _previous.Remove(gone);
        }

        var perSecond = seconds > 0 ? 1 / seconds : 0;
        var grains = grainRates.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var calls = GrainCallCounts.Sum(g.Key, g.Value.Calls);
            return new DashboardGrainRow(ShortName(g.Key), g.Value.Activations, calls.Calls * perSecond, calls.Failures * perSecond, calls.MeanMicros / 1000, calls.PercentileMicros(0.99) / 1000.0);
        }).ToArray();
        var commitCalls = GrainCallCounts.Sum("commit", commitLatency);
        var chart = new DashboardChartSample(now, commits * perSecond, commitCalls.Calls == 0 ? null : commitCalls.PercentileMicros(0.99) / 1000.0, maxLagBytes, maxLagMs);
        return new DashboardSnapshot(++_tick, self, now, recovery is { RecoveryMaster: > 0 } known ? known.RecoveryMaster : null, siteRows, replicas, grains, chart, newEvents);
    }

    /// <summary>"file/offset" of an LSN as <c>Lsn.ToUInt64()</c> writes it.</summary>
    public static string FormatLsn(ulong lsn) => string.Create(CultureInfo.InvariantCulture, $"{lsn >> 32}/{lsn & 0xFFFF_FFFF}");

    // The shard's master's own log end if it answered, else the furthest log end seen.
    private static ReplicaStatus? MasterOf(IEnumerable<DashboardSiteSample> samples, int shard) =>
        samples.SelectMany(s => s.Status?.Shards ?? []).FirstOrDefault(r => r.Shard == shard && r.Role == RepRole.Master);

    private static ulong MasterLogEnd(IEnumerable<DashboardSiteSample> samples, int shard)
    {
        var replicas = samples.SelectMany(s => s.Status?.Shards ?? []).Where(r => r.Shard == shard).ToArray();
        return replicas.FirstOrDefault(r => r.Role == RepRole.Master)?.LogEnd ?? (replicas.Length == 0 ? 0 : replicas.Max(r => r.LogEnd));
    }

    private static (long? Bytes, long? Files) Lag(ulong masterEnd, ulong logEnd)
    {
        if (logEnd >= masterEnd)
        {
            return (0, 0);
        }

        var files = (long)(masterEnd >> 32) - (long)(logEnd >> 32);
        // Across log files the byte count depends on each file's length, which the status does not carry.
        return files == 0 ? ((long)(masterEnd - logEnd), 0) : (null, files);
    }

    private static long Increase(long now, long? before) => before is { } b && now >= b ? now - b : now;

    private static GrainCallCounts Since(GrainCallCounts now, GrainCallCounts? before) =>
        before is not null && now.Calls >= before.Calls ? now.Since(before) : now;

    private static string ShortName(string grainType) => grainType[(grainType.LastIndexOf('.') + 1)..];
}
