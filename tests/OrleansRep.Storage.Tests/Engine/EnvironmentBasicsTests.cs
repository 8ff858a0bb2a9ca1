using System.Text;

namespace OrleansRep.Storage.Tests.Engine;

public sealed class EnvironmentBasicsTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "orep-basics-" + Guid.NewGuid().ToString("N"));

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Put_commit_reopen_get()
    {
        using (var env = StorageEnvironment.Open(_home))
        {
            var db = env.OpenDatabase("main", create: true);
            using var txn = env.BeginWrite();
            for (var i = 0; i < 5000; i++)
            {
                txn.Put(db, B($"k{i:D6}"), B($"value-{i}"));
            }

            txn.Commit();
            Assert.Equal("value-42", Encoding.UTF8.GetString(env.Get(db, B("k000042"))!));
        }

        using (var env = StorageEnvironment.Open(_home))
        {
            var db = env.OpenDatabase("main");
            Assert.Equal("value-4999", Encoding.UTF8.GetString(env.Get(db, B("k004999"))!));
            using var read = env.BeginRead();
            using var count = read.OpenCursor(db).Range(null, null).GetEnumerator();
            var n = 0;
            while (count.MoveNext())
            {
                n++;
            }

            Assert.Equal(5000, n);
        }
    }

    [Fact]
    public void Redo_after_no_checkpoint_and_abort_changes_nothing()
    {
        using (var env = StorageEnvironment.Open(_home, new StorageOptions { CheckpointInterval = TimeSpan.Zero }))
        {
            var db = env.OpenDatabase("d", create: true);
            using (var txn = env.BeginWrite())
            {
                txn.Put(db, B("a"), B("1"));
                txn.Commit();
            }

            using (var txn = env.BeginWrite())
            {
                txn.Put(db, B("a"), B("2"));
                txn.Put(db, B("b"), B("2"));
                txn.Abort();
            }

            Assert.Equal("1", Encoding.UTF8.GetString(env.Get(db, B("a"))!));
            Assert.Null(env.Get(db, B("b")));
        }

        using (var env = StorageEnvironment.Open(_home))
        {
            var db = env.OpenDatabase("d");
            Assert.Equal("1", Encoding.UTF8.GetString(env.Get(db, B("a"))!));
            Assert.Null(env.Get(db, B("b")));
        }
    }

    [Fact]
    public void Snapshot_reader_does_not_see_later_commits()
    {
        using var env = StorageEnvironment.Open(_home);
        var db = env.OpenDatabase("d", create: true);
        using (var txn = env.BeginWrite())
        {
            for (var i = 0; i < 2000; i++)
            {
                txn.Put(db, B($"{i:D5}"), B("old"));
            }

            txn.Commit();
        }

        using var snapshot = env.BeginRead();
        using (var txn = env.BeginWrite())
        {
            for (var i = 0; i < 2000; i += 2)
            {
                txn.Put(db, B($"{i:D5}"), B("new"));
            }

            txn.Delete(db, B("00001"));
            txn.Commit();
        }

        env.Checkpoint();
        var all = snapshot.OpenCursor(db).Range(null, null).Select(p => Encoding.UTF8.GetString(p.Value.Span)).ToList();
        Assert.Equal(2000, all.Count);
        Assert.All(all, v => Assert.Equal("old", v));
        Assert.Equal("new", Encoding.UTF8.GetString(env.Get(db, B("00000"))!));
        Assert.Null(env.Get(db, B("00001")));
    }

    [Fact]
    public void Large_values_and_limits()
    {
        using (var env = StorageEnvironment.Open(_home))
        {
            var db = env.OpenDatabase("big", create: true);
            var big = new byte[3 << 20];
            new Random(7).NextBytes(big);
            using (var txn = env.BeginWrite())
            {
                txn.Put(db, B("big"), big);
                Assert.Throws<KeyTooLargeException>(() => txn.Put(db, new byte[5000], B("x")));
                txn.Commit();
            }

            env.Checkpoint();
            Assert.Equal(big, env.Get(db, B("big")));
        }

        using (var env = StorageEnvironment.Open(_home))
        {
            var db = env.OpenDatabase("big");
            Assert.Equal(3 << 20, env.Get(db, B("big"))!.Length);
        }
    }

    [Fact]
    public void Second_open_of_same_home_is_refused()
    {
        using var env = StorageEnvironment.Open(_home);
        Assert.Throws<EnvironmentLockedException>(() => StorageEnvironment.Open(_home));
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
