using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Silo.Dashboard;
using OrleansRep.Storage;

namespace OrleansRep.Silo.Tests;

/// <summary>The cluster map's lag: what the shard's master counted in its log, else the LSN difference.</summary>
public sealed class DashboardAggregatorTests
{
    [Fact]
    public void A_client_shows_the_records_and_bytes_its_master_counted_across_log_files()
    {
        var masterEnd = new Lsn(5, 100).ToUInt64();
        var master = new ReplicaStatus(0, 1, RepRole.Master, 3, 4, 1, masterEnd, 0, false, []) { ClientsBehind = [new ClientLag(2, new Lsn(2, 40).ToUInt64(), 10_000, 3_000_000, AtLeast: true), new ClientLag(3, masterEnd, 0, 0, AtLeast: false)] };
        var behind = new ReplicaStatus(0, 2, RepRole.Client, 3, 4, 1, new Lsn(2, 60).ToUInt64(), 10, false, []);
        var current = new ReplicaStatus(0, 3, RepRole.Client, 3, 4, 1, masterEnd, 10, false, []);
        var samples = new[] { master, behind, current }.ToDictionary(r => r.Site, r => new DashboardSiteSample(r.Site, "i", new SiteStatus(r.Site, [], [r]), [], [], 0));
        var sites = samples.Keys.Select(s => new SiteHealth(s, $"127.0.0.1:{s}", 1, Healthy: true)).ToList();

        var map = new DashboardAggregator().Build(1, sites, samples, [], DateTimeOffset.UnixEpoch).Replicas.ToDictionary(r => r.Site);

        Assert.Equal((10_000L, true, 3_000_000L, (long?)null, "lagging"), (map[2].LagRecords, map[2].LagRecordsAtLeast, map[2].LagBytes, map[2].LagFiles, map[2].Health));
        Assert.Equal((0L, false, 0L, "ok"), (map[3].LagRecords, map[3].LagRecordsAtLeast, map[3].LagBytes, map[3].Health));
        Assert.Null(map[1].LagRecords); // the master itself
    }
}
