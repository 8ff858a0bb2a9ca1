using System.Text;
using OrleansRep.Storage.IO;
using OrleansRep.Storage.Tests.Engine.Model;

namespace OrleansRep.Storage.Tests.Engine;

/// <summary>Minimal, deterministic reproductions of tree-shape bugs the model test found.</summary>
public sealed class TreeShapeTests
{
    private static readonly StorageOptions Small = new()
    {
        PageSize = 4096,
        MaxKeySize = 1024,
        CheckpointInterval = TimeSpan.Zero,
        CheckpointLogBytes = 0,
    };

    private static byte[] Key(int i) => Encoding.ASCII.GetBytes($"key-{i:D8}");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Deleting_every_key_of_a_multi_leaf_tree_in_order_leaves_an_empty_database(bool checkpointBetween)
    {
        var fs = new MemoryFileSystem();
        using var env = StorageEnvironment.Open("/h", Small, fs);
        var db = env.OpenDatabase("d", create: true);
        using (var txn = env.BeginWrite())
        {
            for (var i = 0; i < 2000; i++)
            {
                txn.Put(db, Key(i), new byte[40]);
            }

            txn.Commit();
        }

        if (checkpointBetween)
        {
            env.Checkpoint();
        }

        // Leaves empty one after another: the branch above goes down to one child, then to none.
        using (var txn = env.BeginWrite())
        {
            for (var i = 0; i < 2000; i++)
            {
                Assert.True(txn.Delete(db, Key(i)));
            }

            txn.Commit();
        }

        Assert.Null(env.Get(db, Key(0)));
        using (var read = env.BeginRead())
        {
            Assert.False(read.OpenCursor(db).First());
        }

        env.Checkpoint();
        using (var txn = env.BeginWrite())
        {
            txn.Put(db, Key(7), [7]);
            txn.Commit();
        }

        Assert.Equal([7], env.Get(db, Key(7)));
    }

    private static byte[] LongKey(int i)
    {
        var key = new byte[1000];
        key.AsSpan().Fill((byte)'x');
        Encoding.ASCII.GetBytes($"B{i:D4}").CopyTo(key, 0);
        return key;
    }

    /// <summary>
    /// Regression: an overflowing branch was split in half by child count. With short separators on the left and four
    /// 1000-byte ones on the right (4 KiB pages, MaxKeySize 1024), the right half needed more than a page; every
    /// checkpoint then threw ArgumentException writing it, and so did every later open (recovery rebuilds the same
    /// tree and checkpoints): the environment could not be opened again.
    /// </summary>
    [Fact]
    public void A_branch_with_long_separators_on_one_side_splits_into_halves_that_fit_a_page()
    {
        var fs = new MemoryFileSystem();
        var env = StorageEnvironment.Open("/h", Small, fs);
        var db = env.OpenDatabase("d", create: true);
        using (var txn = env.BeginWrite())
        {
            // Leaves of four short keys each (short separators), and one more leaf at the end so the long separators
            // below go into the middle of the branch.
            for (var i = 0; i < 40; i++)
            {
                txn.Put(db, Encoding.ASCII.GetBytes($"A{i:D4}"), new byte[1000]);
            }

            for (var i = 0; i < 4; i++)
            {
                txn.Put(db, Encoding.ASCII.GetBytes($"C{i:D4}"), new byte[1000]);
            }

            // Three long keys to a leaf: every third one becomes a 1000-byte separator, the fourth overflows the branch.
            for (var i = 1; i <= 10; i++)
            {
                txn.Put(db, LongKey(i), new byte[10]);
            }

            txn.Commit();
        }

        using (var read = env.BeginRead())
        {
            Assert.Null(TreeInvariants.Check(read));
        }

        env.Checkpoint();
        env.Dispose();
        using var reopened = StorageEnvironment.Open("/h", Small, fs);
        Assert.Equal(new byte[10], reopened.Get(reopened.OpenDatabase("d"), LongKey(10)));
    }

    /// <summary>A catalog and a free list that span many overflow pages: hundreds of databases with long names, half
    /// of them dropped (freeing their pages), across checkpoints, clean reopen and kill.</summary>
    [Fact]
    public void Many_databases_and_a_long_free_list_survive_checkpoints_and_reopen()
    {
        static string Name(int i) => $"db-{i:D4}-" + new string('n', 200);
        var fs = new MemoryFileSystem();
        var env = StorageEnvironment.Open("/h", Small, fs);
        var model = new KvModel();
        for (var batch = 0; batch < 4; batch++)
        {
            using var txn = env.BeginWrite();
            for (var i = batch * 100; i < (batch + 1) * 100; i++)
            {
                var db = txn.OpenDatabase(Name(i), create: true);
                model.Create(Name(i));
                for (var k = 0; k < 20 + (i % 7 * 30); k++)
                {
                    var value = new byte[(k * 37) % 900];
                    txn.Put(db, Key(k), value);
                    model.Db(Name(i))[Key(k)] = value;
                }
            }

            txn.Commit();
        }

        env.Checkpoint();
        using (var txn = env.BeginWrite())
        {
            for (var i = 0; i < 400; i += 2)
            {
                Assert.True(txn.DropDatabase(Name(i)));
                model.Drop(Name(i));
            }

            txn.Commit();
        }

        env.Checkpoint();
        Assert.True(env.GetStats(walkTrees: false).FreePages > 100);
        env.Dispose();
        env = StorageEnvironment.Open("/h", Small, fs);
        Assert.Null(KvModel.Diff(model, KvModel.Read(env)));

        // Reuse the freed pages, then come back after a kill.
        using (var txn = env.BeginWrite())
        {
            for (var i = 400; i < 450; i++)
            {
                var db = txn.OpenDatabase(Name(i), create: true);
                model.Create(Name(i));
                for (var k = 0; k < 100; k++)
                {
                    txn.Put(db, Key(k), new byte[300]);
                    model.Db(Name(i))[Key(k)] = new byte[300];
                }
            }

            txn.Commit();
        }

        env.Checkpoint();
        fs.KillProcess();
        using var reopened = StorageEnvironment.Open("/h", Small, fs);
        Assert.Null(KvModel.Diff(model, KvModel.Read(reopened)));
        using var read = reopened.BeginRead();
        Assert.Null(TreeInvariants.Check(read));
    }
}
