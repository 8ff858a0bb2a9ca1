using System.Text;
using OrleansRep.Storage.IO;

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
}
