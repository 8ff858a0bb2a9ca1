using System.Text.Json;
using OrleansRep.Client;
using OrleansRep.Replication;
using OrleansRep.Storage;

namespace OrleansRep.Cli.Cluster;

/// <summary>
/// <c>orep status --json</c>: <c>{"sites":[{"id","address","healthy",...}],"shards":[{"id","master","gen",
/// "replicas":[{"site","role","lsn","lag",...}]}]}</c>, the shape. <c>master</c> is 0 while a shard has none,
/// <c>gen</c> the highest generation reported; <c>lsn</c> is "[file][offset]"; <c>lag</c> is milliseconds since the replica
/// last heard from its master (0 on the master, -1 never). Extras: a site's <c>error</c> and <c>members</c>, a replica's
/// <c>egen</c>, <c>knownMaster</c>, <c>holdsLease</c>, the log a master keeps for lagging clients (<c>logRetainedFrom</c>,
/// <c>logFilesKeptForClients</c>) and the <c>lastRollback</c> (the transactions undone when the replica synced).
/// </summary>
internal static class StatusJson
{
    public static void Write(Stream stream, ClusterStatus status, IReadOnlyList<Grains.Interfaces.RecoveryView>? recovery = null)
    {
        using var json = new Utf8JsonWriter(stream);
        json.WriteStartObject();
        json.WriteStartArray("sites");
        foreach (var site in status.Sites)
        {
            json.WriteStartObject();
            json.WriteNumber("id", site.Site);
            json.WriteString("address", site.Gateway);
            json.WriteBoolean("healthy", site.Healthy);
            if (site.Error is not null)
            {
                json.WriteString("error", site.Error);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("shards");
        foreach (var shard in status.Shards)
        {
            var replicas = status.Replicas.Where(r => r.Shard == shard).OrderBy(r => r.Site).ToList();
            json.WriteStartObject();
            json.WriteNumber("id", shard);
            json.WriteNumber("master", status.MasterOf(shard)?.Site ?? 0);
            json.WriteNumber("gen", replicas.Max(r => r.Gen));
            json.WriteStartArray("replicas");
            foreach (var r in replicas)
            {
                json.WriteStartObject();
                json.WriteNumber("site", r.Site);
                json.WriteString("role", r.Role == RepRole.None ? "none" : r.Role.ToString().ToLowerInvariant());
                json.WriteString("lsn", Lsn.FromUInt64(r.LogEnd).ToString());
                json.WriteNumber("lag", r.LagMs);
                json.WriteNumber("egen", r.Egen);
                json.WriteNumber("knownMaster", r.Master);
                json.WriteBoolean("holdsLease", r.HoldsLease);
                if (r.LogFilesKeptForClients > 0)
                {
                    json.WriteString("logRetainedFrom", Lsn.FromUInt64(r.LogRetainedFrom).ToString());
                    json.WriteNumber("logFilesKeptForClients", r.LogFilesKeptForClients);
                }

                if (r.LastRollback is { } rollback)
                {
                    WriteRollback(json, rollback);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("members");
        foreach (var member in status.Members)
        {
            json.WriteStartObject();
            json.WriteNumber("site", member.Site);
            json.WriteString("address", member.Address);
            json.WriteNumber("priority", member.Priority);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (recovery is { Count: > 0 })
        {
            RecoveryStatusText.Write(json, recovery);
        }

        json.WriteEndObject();
        json.Flush();
        stream.WriteByte((byte)'\n');
    }

    private static void WriteRollback(Utf8JsonWriter json, Grains.Interfaces.RollbackReport rollback)
    {
        json.WriteStartObject("lastRollback");
        json.WriteString("time", rollback.Time.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteNumber("gen", rollback.Gen);
        json.WriteNumber("master", rollback.Master);
        json.WriteString("to", Lsn.FromUInt64(rollback.To).ToString());
        json.WriteNumber("count", rollback.Count);
        json.WriteStartArray("transactions");
        foreach (var t in rollback.Transactions)
        {
            json.WriteStartObject();
            json.WriteNumber("txn", t.TxnId);
            json.WriteString("lsn", Lsn.FromUInt64(t.CommitLsn).ToString());
            json.WriteNumber("operations", t.Operations);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
