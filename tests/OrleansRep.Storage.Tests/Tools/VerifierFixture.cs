using OrleansRep.Storage.Tests.Support;

namespace OrleansRep.Storage.Tests.Tools;

/// <summary>
/// A real environment on disk, built once for the verifier tests: two databases, a few thousand keys, large values
/// (overflow pages) and deletes; a checkpoint; more writes; close. Tests damage copies, never these homes.
/// <para>
/// Besides the closed home it keeps a crash image: the home copied while the environment was still open, after a
/// flush and before close. Its data file is at the mid-way checkpoint and its log carries the later commits after
/// the redo LSN, which is what a machine that lost power would leave; damage in that part of the log is what
/// opening trips over.
/// </para>
/// </summary>
public sealed class VerifierFixture : IDisposable
{
    /// <summary>Small log files so the log spans several, and no automatic checkpoints so the test decides.</summary>
    public static readonly StorageOptions Options = new()
    {
        LogFileSize = 256 << 10,
        CheckpointInterval = TimeSpan.Zero,
        CheckpointLogBytes = 0,
    };

    private readonly TemporaryDirectory _root = new("orep-verify-fixture-");

    public VerifierFixture()
    {
        Closed = Path.Combine(_root.Path, "closed");
        CrashImage = Path.Combine(_root.Path, "crash");
        var random = new Random(20240611);
        var keys = new Dictionary<string, HashSet<string>> { ["alpha"] = [], ["beta"] = [] };
        using (var env = StorageEnvironment.Open(Closed, Options))
        {
            var dbs = new Dictionary<string, Database>
            {
                ["alpha"] = env.OpenDatabase("alpha", create: true),
                ["beta"] = env.OpenDatabase("beta", create: true),
            };

            string DbOf(int i) => i % 3 == 0 ? "beta" : "alpha";

            // Phase 1: 3000 keys in 30 transactions, one value in 40 large enough for overflow pages.
            for (var batch = 0; batch < 30; batch++)
            {
                using var txn = env.BeginWrite();
                for (var i = batch * 100; i < (batch + 1) * 100; i++)
                {
                    txn.Put(dbs[DbOf(i)], Key(i), Value(random, i % 40 == 7));
                    keys[DbOf(i)].Add(KeyText(i));
                }

                txn.Commit();
            }

            using (var txn = env.BeginWrite())
            {
                for (var i = 0; i < 3000; i += 11)
                {
                    if (txn.Delete(dbs[DbOf(i)], Key(i)))
                    {
                        keys[DbOf(i)].Remove(KeyText(i));
                    }
                }

                txn.Commit();
            }

            env.Checkpoint();
            AtCheckpoint = keys.ToDictionary(e => e.Key, e => (long)e.Value.Count);

            // Phase 2: overwrite every fifth key (some with large values, replacing large ones too), add 1500 keys,
            // delete every thirteenth.
            for (var batch = 0; batch < 45; batch++)
            {
                using var txn = env.BeginWrite();
                for (var i = batch * 100; i < (batch + 1) * 100; i++)
                {
                    if (i >= 3000 || i % 5 == 0)
                    {
                        txn.Put(dbs[DbOf(i)], Key(i), Value(random, i % 35 == 2 || i % 40 == 7));
                        keys[DbOf(i)].Add(KeyText(i));
                    }

                    if (i % 13 == 0 && txn.Delete(dbs[DbOf(i)], Key(i)))
                    {
                        keys[DbOf(i)].Remove(KeyText(i));
                    }
                }

                txn.Commit();
            }

            env.Flush();
            CopyHome(Closed, CrashImage);
        }

        Final = keys.ToDictionary(e => e.Key, e => (long)e.Value.Count);
    }

    /// <summary>The environment after close (checkpointed: redo starts at the end of the log).</summary>
    public string Closed { get; }

    /// <summary>The environment as a crash would leave it, with the log after the mid-way checkpoint to redo.</summary>
    public string CrashImage { get; }

    /// <summary>Entries per database at the mid-way checkpoint (the crash image's data file, and meta page 1).</summary>
    public IReadOnlyDictionary<string, long> AtCheckpoint { get; }

    /// <summary>Entries per database after close.</summary>
    public IReadOnlyDictionary<string, long> Final { get; }

    public static byte[] Key(int i) => System.Text.Encoding.ASCII.GetBytes(KeyText(i));

    private static string KeyText(int i) => $"key{i:D6}";

    /// <summary>Random bytes (a bit flip in them can never look like an unwritten, all-zero sector of a torn write).</summary>
    private static byte[] Value(Random random, bool large)
    {
        var value = new byte[large ? random.Next(6600, 20000) : random.Next(16, 300)];
        random.NextBytes(value);
        return value;
    }

    /// <summary>Copies every file of an environment home except the lock file (held while the environment is open).</summary>
    public static void CopyHome(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            if (Path.GetFileName(file) != StorageEnvironment.LockFileName)
            {
                File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
            }
        }
    }

    public void Dispose() => _root.Dispose();
}
