using OrleansRep.Cli.Cluster;
using OrleansRep.Client;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Storage;

namespace OrleansRep.Cli.Tests.Cluster;

/// <summary><c>orep status</c>'s text: a replica that rolled back a diverged tail lists the transactions undone.</summary>
public sealed class StatusTextTests
{
    [Fact]
    public void A_rolled_back_tail_is_listed_under_the_table()
    {
        var rollback = new RollbackReport(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero), 7, 2, new Lsn(1, 144).ToUInt64(), 3,
            [new RolledBackCommit(3, new Lsn(1, 144).ToUInt64(), 1), new RolledBackCommit(4, new Lsn(1, 224).ToUInt64(), 2)]);
        var replicas = new[]
        {
            new ReplicaStatus(0, 1, RepRole.Client, 7, 8, 2, new Lsn(1, 400).ToUInt64(), 5, false, []) { LastRollback = rollback },
            new ReplicaStatus(0, 2, RepRole.Master, 7, 8, 2, new Lsn(1, 400).ToUInt64(), 0, true, []),
        };
        var status = new ClusterStatus([new SiteReport(1, "127.0.0.1:1", new SiteStatus(1, [], [replicas[0]]), null), new SiteReport(2, "127.0.0.1:2", new SiteStatus(2, [], [replicas[1]]), null)]);
        using var output = new StringWriter();

        StatusText.Write(output, status);

        Assert.Contains("site 1 shard 0 rolled back 3 transactions at 2026-11-21T12:00:00Z (to [1][144], master site 2 gen 7): txn 3 at [1][144] (1 ops), txn 4 at [1][224] (2 ops), ...\n", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("site 2 shard 0 rolled back", output.ToString(), StringComparison.Ordinal);
    }
}
