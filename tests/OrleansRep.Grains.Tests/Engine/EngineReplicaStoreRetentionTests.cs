using System.Text;
using OrleansRep.Grains.Engine;
using OrleansRep.Grains.Tests.Support;
using OrleansRep.Storage;
using OrleansRep.Storage.Log;

namespace OrleansRep.Grains.Tests.Engine;

/// <summary>Archiving with a position lagging clients still need, on real engine files: every file from that
/// position's file on stays (and is reported as kept for clients), the files before it go, and the retention is gone
/// after the call.</summary>
public sealed class EngineReplicaStoreRetentionTests : IDisposable
{
    private readonly TemporaryDirectory _dir = new("orep-grains-retention-");

    private static void Write(EngineReplicaStore store, int count)
    {
        var db = store.Environment.OpenDatabase("data", create: true);
        for (var i = 0; i < count; i++)
        {
            using var txn = store.Environment.BeginWrite();
            txn.Put(db, Encoding.UTF8.GetBytes($"k{i % 500:D4}"), Encoding.UTF8.GetBytes($"v{i}-" + new string('x', 300)));
            txn.Commit(Durability.NoSync);
        }
    }

    private static List<uint> Files(string home) =>
        [.. Directory.GetFiles(home, "log.*").Select(f => LogFormat.TryParseFileName(Path.GetFileName(f), out var n) ? n : 0).Where(n => n > 0).Order()];

    [Fact]
    public void Files_from_the_position_clients_need_are_kept_and_reported_then_go_once_nobody_needs_them()
    {
        var home = _dir.Combine("m");
        using var store = EngineReplicaStore.Open(home, MasterLogSource.Options);
        Write(store, 1_000); // ~300 KB of log: several 64 KiB files
        var files = Files(home);
        Assert.True(files.Count >= 4, $"files {string.Join(",", files)}");
        var needed = new Lsn(files[1], 0);

        var archived = store.ArchiveLog(needed);

        Assert.Equal([LogFormat.FileName(files[0])], archived.Removed);
        Assert.Equal(files.Skip(1).Take(files.Count - 2).Select(LogFormat.FileName), archived.KeptForClients); // the last file is current
        Assert.Equal(files.Skip(1), Files(home));

        var later = store.ArchiveLog(Lsn.Zero); // the client came back (or its time ran out)
        Assert.Equal(archived.KeptForClients, later.Removed);
        Assert.Empty(later.KeptForClients);
        Assert.Equal([files[^1]], Files(home));
    }

    public void Dispose() => _dir.Dispose();
}
