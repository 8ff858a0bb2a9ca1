using OrleansRep.Replication;
using OrleansRep.Simulation.Cluster;
using OrleansRep.Simulation.Network;

namespace OrleansRep.Simulation.Tests.Support;

internal static class Clusters
{
    /// <summary>n sites with default options, ticking every <paramref name="tick"/> µs, disks of <paramref name="disk"/> µs,
    /// on a perfect network.</summary>
    public static SimCluster Make(int n, long tick = 10_000, long disk = 1_000, int driftPpm = 0, long offset = 0) =>
        new(Enumerable.Range(1, n).Select(i => new SiteSetup(new SiteId(i), new ReplicationOptions(), tick, disk, offset, driftPpm)), new Random(1), NetworkFaults.Perfect);
}
