using System.Text.Json;
using OrleansRep.Cli.Cluster;
using OrleansRep.Client;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Storage;

namespace OrleansRep.Cli.Tests.Cluster;

/// <summary><c>orep status --json</c>: a replica's last rollback and the log a master keeps for lagging clients.</summary>
public sealed class StatusJsonTests
{
    [Fact]
    public void A_replica_lists_its_last_rollback_and_a_master_the_log_it_keeps_for_clients()
    {
        var rollback = new RollbackReport(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero), 7, 2, new Lsn(1, 144).ToUInt64(), 3,
            [new RolledBackCommit(3, new Lsn(1, 144).ToUInt64(), 1), new RolledBackCommit(4, new Lsn(1, 224).ToUInt64(), 2)]);
        var client = new ReplicaStatus(0, 1, RepRole.Client, 7, 8, 2, new Lsn(1, 400).ToUInt64(), 5, false, []) { LastRollback = rollback };
        var master = new ReplicaStatus(0, 2, RepRole.Master, 7, 8, 2, new Lsn(4, 400).ToUInt64(), 0, true, []) { LogRetainedFrom = new Lsn(2, 28).ToUInt64(), LogFilesKeptForClients = 2 };
        var status = new ClusterStatus([new SiteReport(1, "127.0.0.1:1", new SiteStatus(1, [], [client]), null), new SiteReport(2, "127.0.0.1:2", new SiteStatus(2, [], [master]), null)]);
        using var stream = new MemoryStream();

        StatusJson.Write(stream, status);

        using var json = JsonDocument.Parse(stream.ToArray());
        var replicas = json.RootElement.GetProperty("shards")[0].GetProperty("replicas");
        var undone = replicas[0].GetProperty("lastRollback");
        Assert.Equal(3, undone.GetProperty("count").GetInt32());
        Assert.Equal("[1][144]", undone.GetProperty("to").GetString());
        Assert.Equal([(3UL, "[1][144]", 1), (4UL, "[1][224]", 2)], undone.GetProperty("transactions").EnumerateArray().Select(t => (t.GetProperty("txn").GetUInt64(), t.GetProperty("lsn").GetString(), t.GetProperty("operations").GetInt32())));
        Assert.False(replicas[0].TryGetProperty("logRetainedFrom", out _));
        Assert.False(replicas[1].TryGetProperty("lastRollback", out _));
        Assert.Equal("[2][28]", replicas[1].GetProperty("logRetainedFrom").GetString());
        Assert.Equal(2, replicas[1].GetProperty("logFilesKeptForClients").GetInt32());
    }
}
