using System.Globalization;
using OrleansRep.Client;
using OrleansRep.Storage;

namespace OrleansRep.Cli.Cluster;

/// <summary><c>orep status</c> as text: the sites, then one row per shard and site (role, gen, LSN, lag), the last
/// rollback of each replica that had one (the transactions undone), and the recovery master.</summary>
internal static class StatusText
{
    public static void Write(TextWriter writer, ClusterStatus status, IReadOnlyList<Grains.Interfaces.RecoveryView>? recovery = null)
    {
        Table.Write(writer, ["SITE", "GATEWAY", "HEALTHY"], status.Sites.Select(s => new[] { Text(s.Site), s.Gateway, s.Healthy ? "yes" : "no: " + s.Error }));
        writer.Write('\n');
        var rows = new List<string[]>();
        foreach (var shard in status.Shards)
        {
            var master = status.MasterOf(shard);
            foreach (var r in status.Replicas.Where(r => r.Shard == shard).OrderBy(r => r.Site))
            {
                rows.Add([Text(shard), master is null ? "-" : Text(master.Site), Text(r.Site), r.Role.ToString().ToLowerInvariant(), Text(r.Gen), Lsn.FromUInt64(r.LogEnd).ToString(), Lag(r.LagMs)]);
            }
        }

        Table.Write(writer, ["SHARD", "MASTER", "SITE", "ROLE", "GEN", "LSN", "LAG"], rows);
        foreach (var r in status.Replicas.Where(r => r.LastRollback is not null).OrderBy(r => r.Shard).ThenBy(r => r.Site))
        {
            // A diverged tail this replica rolled back when it synced with a new master (after a promotion it missed):
            // the transactions undone, which their writers may need to redo.
            var rollback = r.LastRollback!;
            writer.Write(string.Create(CultureInfo.InvariantCulture,
                $"\nsite {r.Site} shard {r.Shard} rolled back {rollback.Count} transactions at {rollback.Time.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} (to {Lsn.FromUInt64(rollback.To)}, master site {rollback.Master} gen {rollback.Gen}): "));
            writer.Write(string.Join(", ", rollback.Transactions.Select(t => string.Create(CultureInfo.InvariantCulture, $"txn {t.TxnId} at {Lsn.FromUInt64(t.CommitLsn)} ({t.Operations} ops)"))));
            writer.Write(rollback.Count > rollback.Transactions.Count ? ", ...\n" : "\n");
        }
        if (recovery is { Count: > 0 })
        {
            writer.Write('\n');
            RecoveryStatusText.Write(writer, recovery);
        }
    }

    public static string Lag(long ms) => ms < 0 ? "never heard" : Text(ms) + " ms";

    private static string Text<T>(T value) where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);
}
