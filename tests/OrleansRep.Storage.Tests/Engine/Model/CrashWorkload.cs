using System.Globalization;
using System.Text;
using OrleansRep.Storage.IO;
using Xunit.Sdk;

namespace OrleansRep.Storage.Tests.Engine.Model;

/// <summary>
/// A seeded workload of numbered transactions on a <see cref="MemoryFileSystem"/>, crashed again and again.
/// <para>
/// Transaction k writes several keys (shared ones, new ones, deletes, sometimes a second database, sometimes more
/// than a log record holds) and sets key <c>last</c> to k. A commit is acknowledged when Commit returns; a commit
/// that threw because the machine went down is in doubt. Aborted transactions and aborted nested batches write too,
/// and must never show. After each crash the environment is reopened and must hold exactly the state after
/// transactions 1..j for one j (read from <c>last</c>): atomic transactions, lost ones only as a suffix. j is at least
/// the last acknowledged Sync commit (or the last commit a completed checkpoint covered), at least the last
/// acknowledged commit of any durability when the crash kept what was written (process kill, KeepUnsynced), and at
/// most the number of transactions attempted.
/// </para>
/// Crashes come between transactions, at an exact write or flush in the middle of commits, in the middle of a
/// checkpoint, and in the middle of the recovery that follows a crash; each crash mode and process kill in turn.
/// </summary>
public sealed class CrashWorkload
{
    public const string Home = "/orep/crash";
    private const string Main = "main";
    private const string Side = "side";

    private static readonly CrashMode?[] Modes = [CrashMode.LoseUnsynced, CrashMode.KeepUnsynced, CrashMode.RandomSectors, CrashMode.TornLastWrite, null];

    private readonly int _seed;
    private readonly Random _rng;
    private readonly MemoryFileSystem _memory = new();
    private readonly CrashingFileSystem _fs;
    private readonly StorageOptions _options;
    private readonly List<List<Op>> _committed = [];
    private readonly List<string> _trace = [];
    private List<Op>? _inDoubt;
    private KvModel _current = new();
    private int _durableFloor;
    private int _writtenFloor;
    private StorageEnvironment? _env;
    private int _cycle;

    public CrashWorkload(int seed)
    {
        _seed = seed;
        _rng = new Random(seed);
        _fs = new CrashingFileSystem(_memory);
        var pageSize = _rng.Next(3) == 0 ? 16384 : 4096;
        _options = new StorageOptions
        {
            PageSize = pageSize,
            MaxKeySize = 512,
            LogFileSize = _rng.Next(2) == 0 ? 64 << 10 : 1 << 20,
            LogBufferSize = _rng.Next(3) == 0 ? 4 << 10 : 1 << 20,
            CheckpointInterval = TimeSpan.Zero,
            CheckpointLogBytes = 0,
            PrepareLogFilesAhead = false, // crash points are counted file operations
        };
    }

    private StorageEnvironment Env => _env!;

    public void Run(int cycles)
    {
        Guard("initial open", () =>
        {
            _env = StorageEnvironment.Open(Home, _options, _fs, TimeProvider.System);
            Env.OpenDatabase(Main, create: true);
            _current.Create(Main);
            _committed.Add([new Op(OpKind.Create, Main, [], null)]);
            _durableFloor = _writtenFloor = 1;
        });

        for (_cycle = 0; _cycle < cycles; _cycle++)
        {
            var mode = Modes[(_seed + _cycle) % Modes.Length];
            var plan = _rng.Next(4);
            RunCycle(mode, plan);
        }

        Guard("clean close and reopen", () =>
        {
            Env.Dispose();
            _env = StorageEnvironment.Open(Home, _options, _fs, TimeProvider.System);
            var diff = KvModel.Diff(_current, ReadAll());
            if (diff != null)
            {
                Fail($"after a clean reopen: {diff}");
            }

            Env.Dispose();
        });
    }

    private void RunCycle(CrashMode? mode, int plan)
    {
        var txns = _rng.Next(3, 25);
        var armAt = plan == 1 ? _rng.Next(txns) : -1;
        var checkpointCrashAt = plan == 2 ? _rng.Next(txns) : -1;
        Trace($"cycle {_cycle}: {Name(mode)}, plan {plan}, {txns} txns");
        _fs.Reset();
        try
        {
            for (var i = 0; i < txns && !_fs.Fired; i++)
            {
                if (i == armAt)
                {
                    var n = _rng.Next(1, 12);
                    Trace($"arm: crash at the {n}th write/flush from here");
                    _fs.Arm(n, mode, _seed + _cycle);
                }

                if (i == checkpointCrashAt)
                {
                    var n = _rng.Next(1, 40);
                    Trace($"checkpoint with a crash at its {n}th write/flush");
                    _fs.Arm(n, mode, _seed + _cycle);
                    Checkpoint();
                    _fs.Disarm();
                    if (_fs.Fired)
                    {
                        break;
                    }
                }
                else if (_rng.Next(8) == 0)
                {
                    Checkpoint();
                }

                OneTransaction();
            }
        }
        catch (Exception e) when (_fs.Fired)
        {
            Trace($"crashed: {e.GetType().Name}: {First(e.Message)}");
        }
        catch (Exception e)
        {
            Fail($"cycle {_cycle} failed without a crash: {e}");
        }

        var lossy = mode is CrashMode.LoseUnsynced or CrashMode.RandomSectors or CrashMode.TornLastWrite;
        if (!_fs.Fired)
        {
            _fs.Disarm();
            Trace($"crash now: {Name(mode)}");
            Crash(mode, _seed + _cycle);
        }

        _fs.Disarm();
        _env = null;
        var floor = lossy ? _durableFloor : Math.Max(_durableFloor, _writtenFloor);
        var keptAll = mode == CrashMode.KeepUnsynced;

        if (plan == 3)
        {
            // Crash again while recovering from that crash.
            var again = Modes[_rng.Next(Modes.Length)];
            var n = _rng.Next(1, 12);
            Trace($"reopen with a crash at its {n}th write/flush ({Name(again)})");
            _fs.Arm(n, again, _seed + _cycle + 1000);
            try
            {
                _env = StorageEnvironment.Open(Home, _options, _fs, TimeProvider.System);
            }
            catch (Exception e) when (_fs.Fired)
            {
                Trace($"recovery crashed: {e.GetType().Name}: {First(e.Message)}");
            }
            catch (Exception e)
            {
                Fail($"recovery failed (before its armed crash): {e}");
            }

            _fs.Disarm();
            if (_fs.Fired)
            {
                _env = null;
                if (!keptAll && again is CrashMode.LoseUnsynced or CrashMode.RandomSectors or CrashMode.TornLastWrite)
                {
                    floor = _durableFloor;
                }
            }
        }

        if (_env == null)
        {
            Guard("reopen after the crash", () => _env = StorageEnvironment.Open(Home, _options, _fs, TimeProvider.System));
        }

        Verify(floor);
    }

    private void Verify(int floor)
    {
        var actual = ReadAll();
        var last = actual.Has(Main) && actual.Db(Main).TryGetValue(Key("last"), out var v) ? TxnOf(v) : 1;
        var attempted = _committed.Count + (_inDoubt != null ? 1 : 0);
        var report = Env.RecoveryReport;
        Trace($"recovered: last = {last}, floor {floor}, acknowledged {_committed.Count}, attempted {attempted}; " +
              $"replayed {report.CommitsReplayed}, torn {report.TornTailBytes} bytes");
        if (last < floor)
        {
            Fail($"recovered up to transaction {last}, but transaction {floor} was acknowledged as durable");
        }

        if (last > attempted)
        {
            Fail($"recovered transaction {last}, but only {attempted} were attempted");
        }

        if (last == _committed.Count + 1)
        {
            _committed.Add(_inDoubt!);
        }
        else if (last < _committed.Count)
        {
            _committed.RemoveRange(last, _committed.Count - last);
        }

        _inDoubt = null;
        var expected = new KvModel();
        foreach (var txn in _committed)
        {
            Apply(expected, txn);
        }

        var diff = KvModel.Diff(expected, actual);
        if (diff != null)
        {
            Fail($"recovered state is not the state after transactions 1..{last}: {diff}");
        }

        using (var read = Env.BeginRead())
        {
            var problem = TreeInvariants.Check(read);
            if (problem != null)
            {
                Fail($"recovered tree is unsound: {problem}");
            }
        }

        _current = expected;

        // What recovery found is durable from now on: it checkpointed or synced anything it replayed.
        _durableFloor = _writtenFloor = last;
    }

    private void OneTransaction()
    {
        var k = _committed.Count + 1;
        var ops = new List<Op>();
        var model = _current.Clone();
        var txn = Env.BeginWrite();
        var abort = _rng.Next(12) == 0;
        try
        {
            var big = _rng.Next(40) == 0;
            var count = big ? 30 : _rng.Next(1, 9);
            for (var i = 0; i < count; i++)
            {
                var r = _rng.Next(10);
                if (r < 5)
                {
                    Put(txn, model, ops, Main, Key($"acct/{_rng.Next(50):D2}"), Value(k, big));
                }
                else if (r < 7)
                {
                    Put(txn, model, ops, Main, Key($"t{k:D5}/{i}"), Value(k, big));
                }
                else if (r < 9)
                {
                    var pairs = model.Db(Main);
                    if (pairs.Count > 1)
                    {
                        var key = pairs.ElementAt(_rng.Next(pairs.Count)).Key;
                        if (!key.AsSpan().SequenceEqual(Key("last")))
                        {
                            txn.Delete(txn.OpenDatabase(Main), key);
                            pairs.Remove(key);
                            ops.Add(new Op(OpKind.Delete, Main, key, null));
                        }
                    }
                }
                else
                {
                    SideDatabase(txn, model, ops, k);
                }
            }

            if (_rng.Next(6) == 0)
            {
                // A nested batch: aborted ones write junk that must never show.
                var commitNested = _rng.Next(2) == 0;
                var nested = txn.BeginNested();
                var nestedOps = new List<Op>();
                var nestedModel = model.Clone();
                Put(nested, nestedModel, nestedOps, Main, Key(commitNested ? $"t{k:D5}/nested" : $"junk/{k}"), Value(k, false));
                Put(nested, nestedModel, nestedOps, Main, Key($"acct/{_rng.Next(50):D2}"), Value(k, false));
                if (commitNested)
                {
                    nested.Commit();
                    ops.AddRange(nestedOps);
                    model = nestedModel;
                }
                else
                {
                    nested.Abort();
                }
            }

            Put(txn, model, ops, Main, Key("last"), Value(k, false));
        }
        catch
        {
            txn.Dispose();
            throw;
        }

        if (abort)
        {
            Put(txn, model, [], Main, Key($"junk/{k}/aborted"), Value(k, false));
            txn.Abort();
            return;
        }

        var durability = _rng.Next(2) == 0 ? Durability.Sync : Durability.NoSync;
        _inDoubt = ops;
        txn.Commit(durability);
        _inDoubt = null;
        _committed.Add(ops);
        _current = model;
        _writtenFloor = k;
        if (durability == Durability.Sync)
        {
            _durableFloor = k;
        }
    }

    private void SideDatabase(WriteTransaction txn, KvModel model, List<Op> ops, int k)
    {
        if (!model.Has(Side))
        {
            txn.OpenDatabase(Side, create: true);
            model.Create(Side);
            ops.Add(new Op(OpKind.Create, Side, [], null));
        }
        else if (_rng.Next(4) == 0)
        {
            txn.DropDatabase(Side);
            model.Drop(Side);
            ops.Add(new Op(OpKind.Drop, Side, [], null));
            return;
        }

        Put(txn, model, ops, Side, Key($"s/{_rng.Next(30):D2}"), Value(k, false));
    }

    private static void Put(WriteTransaction txn, KvModel model, List<Op> ops, string db, byte[] key, byte[] value)
    {
        txn.Put(txn.OpenDatabase(db), key, value);
        model.Db(db)[key] = value;
        ops.Add(new Op(OpKind.Put, db, key, value));
    }

    private void Checkpoint()
    {
        Env.Checkpoint();
        _durableFloor = _committed.Count;
        Trace($"checkpoint done (covers 1..{_committed.Count})");
    }

    private void Crash(CrashMode? mode, int seed)
    {
        if (mode is { } m)
        {
            _memory.Crash(m, seed);
        }
        else
        {
            _memory.KillProcess();
        }
    }

    private static void Apply(KvModel model, List<Op> txn)
    {
        foreach (var op in txn)
        {
            switch (op.Kind)
            {
                case OpKind.Put:
                    model.Db(op.Db)[op.Key] = op.Value!;
                    break;
                case OpKind.Delete:
                    model.Db(op.Db).Remove(op.Key);
                    break;
                case OpKind.Create:
                    model.Create(op.Db);
                    break;
                case OpKind.Drop:
                    model.Drop(op.Db);
                    break;
            }
        }
    }

    private KvModel ReadAll()
    {
        var actual = new KvModel();
        Guard("reading everything back", () =>
        {
            using var read = Env.BeginRead();
            foreach (var name in read.DatabaseNames())
            {
                actual.Create(name);
                var cursor = read.OpenCursor(read.OpenDatabase(name));
                for (var ok = cursor.First(); ok; ok = cursor.Next())
                {
                    actual.Db(name)[cursor.Key.ToArray()] = cursor.Value.ToArray();
                }
            }
        });
        return actual;
    }

    private static byte[] Key(string s) => Encoding.ASCII.GetBytes(s);

    /// <summary>"txn=000042;" then padding: random, zeros, around the inline limit, or large (a big transaction
    /// crosses the 1 MiB record chunk).</summary>
    private byte[] Value(int k, bool big)
    {
        var length = big ? _rng.Next(30_000, 42_000) : _rng.Next(100) switch
        {
            < 60 => _rng.Next(12, 200),
            < 80 => _rng.Next(500, 3000),
            < 92 => _rng.Next(1250, 1450),
            _ => _rng.Next(4000, 40_000),
        };
        var v = new byte[length];
        if (_rng.Next(4) > 0)
        {
            _rng.NextBytes(v);
        }

        Encoding.ASCII.GetBytes($"txn={k:D6};").CopyTo(v, 0);
        return v;
    }

    private static int TxnOf(byte[] value) =>
        int.Parse(Encoding.ASCII.GetString(value, 4, 6), NumberStyles.None, CultureInfo.InvariantCulture);

    private static string Name(CrashMode? mode) => mode?.ToString() ?? "KillProcess";

    private static string First(string message) => message.Split('\n')[0];

    private void Trace(string line) => _trace.Add(line);

    private void Guard(string what, Action action)
    {
        try
        {
            action();
        }
        catch (XunitException)
        {
            throw;
        }
        catch (Exception e)
        {
            Fail($"{what} threw {e}");
        }
    }

    private void Fail(string message)
    {
        var recent = string.Join("\n  ", _trace.Skip(Math.Max(0, _trace.Count - 40)));
        throw new XunitException(
            $"crash test failed: seed {_seed}, cycle {_cycle} (page {_options.PageSize}, log file {_options.LogFileSize}, log buffer {_options.LogBufferSize}):\n" +
            $"{message}\nreplay with new CrashWorkload({_seed}).Run(cycles); trace:\n  {recent}");
    }

    private enum OpKind
    {
        Put,
        Delete,
        Create,
        Drop,
    }

    private sealed record Op(OpKind Kind, string Db, byte[] Key, byte[]? Value);
}
