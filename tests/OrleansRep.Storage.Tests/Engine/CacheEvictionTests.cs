using System.Buffers.Binary;

namespace OrleansRep.Storage.Tests.Engine;

public sealed class CacheEvictionTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "orep-cache-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void A_database_larger_than_the_cache_stays_correct_and_the_cache_stays_near_its_size()
    {
        var options = new StorageOptions { CacheSize = 2 << 20, CheckpointInterval = TimeSpan.Zero };
        const int n = 40_000; // ~12 MB of values against a 2 MiB cache
        using var env = StorageEnvironment.Open(_home, options);
        var db = env.OpenDatabase("d", create: true);
        var key = new byte[8];
        for (var batch = 0; batch < n / 1000; batch++)
        {
            using var txn = env.BeginWrite();
            for (var i = batch * 1000; i < (batch + 1) * 1000; i++)
            {
                BinaryPrimitives.WriteInt64BigEndian(key, i);
                txn.Put(db, key, Value(i));
            }

            txn.Commit(Durability.NoSync);
            env.Checkpoint();
        }

        var stats = env.GetStats(walkTrees: false);
        Assert.True(stats.CacheEvictions > 0, "nothing was evicted");
        Assert.True(stats.CacheResidentBytes <= 2 << 20, $"resident {stats.CacheResidentBytes} bytes over the 2 MiB cache");

        // Every key reads back, loading evicted pages again; a snapshot taken before more writes stays exact.
        using var snapshot = env.BeginRead();
        var rng = new Random(3);
        for (var j = 0; j < 5000; j++)
        {
            var i = rng.Next(n);
            BinaryPrimitives.WriteInt64BigEndian(key, i);
            Assert.True(snapshot.TryGet(db, key, out var v), $"key {i} missing");
            Assert.Equal(Value(i), v.ToArray());
        }

        Assert.True(env.GetStats(walkTrees: false).CacheMisses > 0);
        var count = 0;
        var cursor = snapshot.OpenCursor(db);
        for (var ok = cursor.First(); ok; ok = cursor.Next())
        {
            Assert.Equal(Value(BinaryPrimitives.ReadInt64BigEndian(cursor.Key.Span)), cursor.Value.ToArray());
            count++;
        }

        Assert.Equal(n, count);
    }

    private static byte[] Value(long i)
    {
        var v = new byte[300];
        new Random((int)i).NextBytes(v);
        return v;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
