using System.Text;
using OrleansRep.Storage.IO;
using OrleansRep.Storage.Tree;
using Xunit.Sdk;

namespace OrleansRep.Storage.Tests.Engine.Model;

/// <summary>
/// Drives one environment with a seeded random sequence of operations and checks every read against a
/// <see cref="KvModel"/>: puts and deletes (small and large key spaces, values from empty to 40 KiB, some on overflow
/// pages), point reads, every kind of cursor scan, partial puts and gets, nested batches, commit (Sync and NoSync) and
/// abort, a second database created and dropped, checkpoints, clean reopen, process kill and reopen, and snapshots
/// that must keep reading the state they started on. A failure names the seed and the operation index, with the
/// operations that led there, so <c>new ModelRunner(seed).Run()</c> replays it.
/// </summary>
public sealed class ModelRunner : IDisposable
{
    private const string Main = "main";
    private const string Second = "second";
    private const string SmallKeyLetters = "abc";

    private readonly int _seed;
    private readonly int _opCount;
    private readonly Random _rng;
    private readonly IFileSystem _fs;
    private readonly MemoryFileSystem? _memory;
    private readonly string _home;
    private readonly StorageOptions _options;
    private readonly List<string> _trace = [];
    private readonly List<WriteTransaction> _txns = [];
    private readonly List<KvModel> _txnModels = [];
    private readonly List<Snapshot> _snapshots = [];
    private readonly List<byte[]> _keyPool = [];
    private StorageEnvironment? _env;
    private KvModel _committed = new();
    private int _op;
    private bool _failed;

    public ModelRunner(int seed, int ops = 200, string? diskHome = null)
    {
        _seed = seed;
        _opCount = ops;
        _rng = new Random(seed);
        if (diskHome == null)
        {
            _memory = new MemoryFileSystem();
            _fs = _memory;
            _home = "/orep/model";
        }
        else
        {
            _fs = OsFileSystem.Instance;
            _home = diskHome;
        }

        var pageSize = _rng.Next(10) switch
        {
            < 6 => 4096,
            < 7 => 8192,
            _ => 16384,
        };
        _options = new StorageOptions
        {
            PageSize = pageSize,
            MaxKeySize = pageSize / 4,
            LogFileSize = _rng.Next(2) == 0 ? 64 << 10 : 1 << 20,
            LogBufferSize = _rng.Next(3) == 0 ? 4 << 10 : 1 << 20,
            DefaultDurability = _rng.Next(2) == 0 ? Durability.Sync : Durability.NoSync,
            CheckpointInterval = TimeSpan.Zero,
            CheckpointLogBytes = 0,
        };
        for (var i = 0; i < 3000; i++)
        {
            _keyPool.Add(RandomKey(_rng.Next(10) == 0 ? _rng.Next(60, 300) : _rng.Next(0, 40)));
        }
    }

    private StorageEnvironment Env => _env!;

    private int InlineLimit => PageLayout.MaxInlineEntry(_options.PageSize);

    /// <summary>Runs the sequence; throws <see cref="XunitException"/> naming seed and op at the first mismatch.</summary>
    public void Run()
    {
        Step("open", () =>
        {
            _env = StorageEnvironment.Open(_home, _options, _fs, TimeProvider.System);
            Env.OpenDatabase(Main, create: true);
            _committed.Create(Main);
        });

        for (_op = 1; _op <= _opCount; _op++)
        {
            if (_txns.Count == 0)
            {
                OutsideTransaction();
            }
            else
            {
                InsideTransaction();
            }
        }

        _op = _opCount + 1;
        Step("finish", () =>
        {
            while (_txns.Count > 0)
            {
                EndInnermost(commit: _rng.Next(2) == 0, Durability.Sync);
            }

            foreach (var s in _snapshots.ToList())
            {
                VerifySnapshot(s, full: true);
                CloseSnapshot(s);
            }

            VerifyAll("at the end");
            MaxDepth = Env.GetStats().Databases.Max(d => d.Depth);
            Reopen(kill: false);
        });
    }

    private void OutsideTransaction()
    {
        var r = _rng.Next(100);
        switch (r)
        {
            case < 45:
                Step("begin", () =>
                {
                    _txns.Add(Env.BeginWrite());
                    _txnModels.Add(_committed.Clone());
                });
                break;
            case < 55:
                PointReadsOutside();
                break;
            case < 65:
                Step("scan (read txn)", () =>
                {
                    using var read = Env.BeginRead();
                    Scan(read, _committed, "read txn");
                });
                break;
            case < 72:
                Step("checkpoint", () => Env.Checkpoint());
                break;
            case < 76:
                Step("reopen", () => Reopen(kill: false));
                break;
            case < 79:
                if (_memory != null)
                {
                    Step("kill + reopen", () => Reopen(kill: true));
                }

                break;
            case < 88:
                if (_snapshots.Count < 3)
                {
                    OpenSnapshot();
                }

                break;
            case < 97:
                CheckSomeSnapshot();
                break;
            default:
                Step("verify all", () => VerifyAll("full check"));
                break;
        }
    }

    private void InsideTransaction()
    {
        var txn = _txns[^1];
        var model = _txnModels[^1];
        var r = _rng.Next(200);
        switch (r)
        {
            case < 60:
                Put(txn, model);
                break;
            case < 85:
                Delete(txn, model);
                break;
            case < 100:
                PointReadsInside(txn, model);
                break;
            case < 108:
                PutPartial(txn, model);
                break;
            case < 114:
                GetPartial(txn, model);
                break;
            case < 122:
                Step("scan (write txn)", () => Scan(txn, model, "write txn"));
                break;
            case < 126:
                PutMany(txn, model);
                break;
            case < 130:
                DeleteMany(txn, model);
                break;
            case < 138:
                if (_txns.Count < 4)
                {
                    Step("begin nested", () =>
                    {
                        _txns.Add(txn.BeginNested());
                        _txnModels.Add(model.Clone());
                    });
                }

                break;
            case < 146:
                if (_txns.Count > 1)
                {
                    var commit = _rng.Next(3) > 0;
                    Step(commit ? "commit nested" : "abort nested", () => EndInnermost(commit, Durability.Sync));
                }

                break;
            case < 152:
                CreateOrDropSecond(txn, model);
                break;
            case < 170:
                if (_txns.Count == 1)
                {
                    var durability = _rng.Next(2) == 0 ? Durability.Sync : Durability.NoSync;
                    Step($"commit {durability}", () => EndInnermost(commit: true, durability));
                }

                break;
            case < 176:
                if (_txns.Count == 1)
                {
                    Step("abort", () => EndInnermost(commit: false, Durability.Sync));
                }

                break;
            case < 184:
                if (_snapshots.Count < 3)
                {
                    OpenSnapshot();
                }

                break;
            case < 192:
                CheckSomeSnapshot();
                break;
            default:
                PointReadsOutside();
                break;
        }
    }

    // ---- writes ----

    private string PickDb(KvModel model) => model.Has(Second) && _rng.Next(3) == 0 ? Second : Main;

    private void Put(WriteTransaction txn, KvModel model)
    {
        var db = PickDb(model);
        var key = PickKey(model.Db(db));
        var value = MakeValue();
        Step($"put {db} {KvModel.Show(key)} = {value.Length} bytes", () =>
        {
            txn.Put(txn.OpenDatabase(db), key, value);
            model.Db(db)[key] = value;
        });
    }

    private void Delete(WriteTransaction txn, KvModel model)
    {
        var db = PickDb(model);
        var pairs = model.Db(db);
        var key = pairs.Count > 0 && _rng.Next(5) > 0 ? pairs.ElementAt(_rng.Next(pairs.Count)).Key : PickKey(pairs);
        Step($"delete {db} {KvModel.Show(key)}", () =>
        {
            var deleted = txn.Delete(txn.OpenDatabase(db), key);
            Expect(pairs.Remove(key), deleted, "Delete's result");
        });
    }

    private void PutMany(WriteTransaction txn, KvModel model)
    {
        var db = PickDb(model);
        var count = _rng.Next(20, 300);
        var kind = _rng.Next(4);
        var prefix = kind switch
        {
            2 => RandomKey(_rng.Next(60, Math.Min(250, _options.MaxKeySize - 8))),
            3 => RandomKey(_rng.Next(_options.MaxKeySize / 2, _options.MaxKeySize - 8)),
            _ => Encoding.ASCII.GetBytes($"m{_rng.Next(10)}/"),
        };
        var start = _rng.Next(1_000_000);
        var pairs = new List<(byte[], byte[])>();
        for (var i = 0; i < count; i++)
        {
            // Kind 3 mixes very long keys (long separators) with short ones in the same region.
            var key = kind == 1 ? _keyPool[_rng.Next(_keyPool.Count)]
                : kind == 3 && _rng.Next(3) == 0 ? [.. prefix[..1], .. Encoding.ASCII.GetBytes($"{start + i:D7}")]
                : [.. prefix, .. Encoding.ASCII.GetBytes($"{start + i:D7}")];
            pairs.Add((key, _rng.Next(20) == 0 ? MakeValue() : RandomBytes(_rng.Next(0, 100))));
        }

        Step($"put many {db} x{count} kind {kind}", () =>
        {
            var handle = txn.OpenDatabase(db);
            foreach (var (k, v) in pairs)
            {
                txn.Put(handle, k, v);
                model.Db(db)[k] = v;
            }
        });
    }

    private void DeleteMany(WriteTransaction txn, KvModel model)
    {
        var db = PickDb(model);
        var pairs = model.Db(db);
        if (pairs.Count == 0)
        {
            return;
        }

        var from = _rng.Next(pairs.Count);
        var keys = pairs.Keys.Skip(from).Take(_rng.Next(1, 400)).ToList();
        Step($"delete many {db} x{keys.Count} from {KvModel.Show(keys[0])}", () =>
        {
            var handle = txn.OpenDatabase(db);
            foreach (var k in keys)
            {
                Expect(true, txn.Delete(handle, k), $"Delete's result for {KvModel.Show(k)}");
                pairs.Remove(k);
            }
        });
    }

    private void PutPartial(WriteTransaction txn, KvModel model)
    {
        var db = PickDb(model);
        var pairs = model.Db(db);
        var key = pairs.Count > 0 && _rng.Next(4) > 0 ? pairs.ElementAt(_rng.Next(pairs.Count)).Key : PickKey(pairs);
        var current = pairs.GetValueOrDefault(key) ?? [];
        var offset = _rng.Next(4) == 0 ? _rng.Next(0, current.Length + 50) : _rng.Next(0, current.Length + 1);
        var length = _rng.Next(0, Math.Max(1, Math.Min(current.Length - Math.Min(offset, current.Length) + 10, 3000)));
        var data = _rng.Next(10) == 0 ? RandomBytes(_rng.Next(InlineLimit - 100, InlineLimit + 200)) : RandomBytes(_rng.Next(0, 200));
        Step($"put partial {db} {KvModel.Show(key)} offset {offset} length {length} data {data.Length} (value {current.Length})", () =>
        {
            txn.PutPartial(txn.OpenDatabase(db), key, offset, length, data);
            var keep = Math.Max(0, current.Length - offset - length);
            var result = new byte[offset + data.Length + keep];
            current.AsSpan(0, Math.Min(offset, current.Length)).CopyTo(result);
            data.CopyTo(result.AsSpan(offset));
            if (keep > 0)
            {
                current.AsSpan(offset + length).CopyTo(result.AsSpan(offset + data.Length));
            }

            pairs[key] = result;
        });
    }

    private void GetPartial(WriteTransaction txn, KvModel model)
    {
        var db = PickDb(model);
        var pairs = model.Db(db);
        var key = pairs.Count > 0 && _rng.Next(4) > 0 ? pairs.ElementAt(_rng.Next(pairs.Count)).Key : PickKey(pairs);
        var current = pairs.GetValueOrDefault(key);
        var offset = _rng.Next(0, (current?.Length ?? 0) + 20);
        var length = _rng.Next(0, 5000);
        Step($"get partial {db} {KvModel.Show(key)} offset {offset} length {length}", () =>
        {
            var got = txn.GetPartial(txn.OpenDatabase(db), key, offset, length);
            byte[]? expected = current == null ? null
                : offset >= current.Length ? []
                : current.AsSpan(offset, Math.Min(length, current.Length - offset)).ToArray();
            ExpectBytes(expected, got, "GetPartial");
        });
    }

    private void CreateOrDropSecond(WriteTransaction txn, KvModel model)
    {
        if (!model.Has(Second))
        {
            Step("create second", () =>
            {
                Expect(false, txn.TryOpenDatabase(Second, out _), "second exists before create");
                var db = txn.OpenDatabase(Second, create: true);
                model.Create(Second);
                if (_rng.Next(2) == 0)
                {
                    txn.Put(db, [1, 2, 3], [4, 5, 6]);
                    model.Db(Second)[[1, 2, 3]] = [4, 5, 6];
                }
            });
        }
        else
        {
            var recreate = _rng.Next(3) == 0;
            Step(recreate ? "drop + recreate second" : "drop second", () =>
            {
                Expect(true, txn.DropDatabase(Second), "DropDatabase's result");
                model.Drop(Second);
                Expect(false, txn.DropDatabase(Second), "second DropDatabase's result");
                Expect(false, txn.TryOpenDatabase(Second, out _), "second exists after drop");
                if (recreate)
                {
                    txn.OpenDatabase(Second, create: true);
                    model.Create(Second);
                }
            });
        }
    }

    private void EndInnermost(bool commit, Durability durability)
    {
        var txn = _txns[^1];
        var model = _txnModels[^1];
        _txns.RemoveAt(_txns.Count - 1);
        _txnModels.RemoveAt(_txnModels.Count - 1);
        if (commit)
        {
            txn.Commit(durability);
            if (_txns.Count == 0)
            {
                _committed = model;
            }
            else
            {
                _txnModels[^1] = model;
            }
        }
        else if (_rng.Next(2) == 0)
        {
            txn.Abort();
        }
        else
        {
            txn.Dispose();
        }

        if (_txns.Count == 0 && _rng.Next(4) == 0)
        {
            VerifyAll(commit ? "right after commit" : "right after abort");
        }
    }

    // ---- reads ----

    private void PointReadsOutside()
    {
        var db = PickDb(_committed);
        var pairs = _committed.Db(db);
        var keys = Enumerable.Range(0, 5).Select(_ => pairs.Count > 0 && _rng.Next(2) == 0 ? pairs.ElementAt(_rng.Next(pairs.Count)).Key : PickKey(pairs)).ToList();
        Step($"env.Get {db} x{keys.Count}", () =>
        {
            var handle = Env.OpenDatabase(db);
            foreach (var key in keys)
            {
                ExpectBytes(pairs.GetValueOrDefault(key), Env.Get(handle, key), $"env.Get {KvModel.Show(key)}");
            }
        });
    }

    private void PointReadsInside(WriteTransaction txn, KvModel model)
    {
        var db = PickDb(model);
        var pairs = model.Db(db);
        var keys = Enumerable.Range(0, 5).Select(_ => pairs.Count > 0 && _rng.Next(2) == 0 ? pairs.ElementAt(_rng.Next(pairs.Count)).Key : PickKey(pairs)).ToList();
        Step($"txn.Get {db} x{keys.Count}", () =>
        {
            var handle = txn.OpenDatabase(db);
            foreach (var key in keys)
            {
                ExpectBytes(pairs.GetValueOrDefault(key), txn.Get(handle, key), $"txn.Get {KvModel.Show(key)}");
            }
        });
    }

    /// <summary>One randomly chosen kind of cursor walk over one database, compared with the model.</summary>
    private void Scan(ReadTransaction read, KvModel model, string what)
    {
        var name = PickDb(model);
        var db = read.OpenDatabase(name);
        var expected = model.Db(name).ToList();
        var kind = _rng.Next(9);
        switch (kind)
        {
            case 0:
                ExpectPairs(expected, FullForward(read, db), $"{what} forward scan of {name}");
                break;
            case 1:
            {
                var cursor = read.OpenCursor(db);
                var got = new List<KeyValuePair<byte[], byte[]>>();
                for (var ok = cursor.Last(); ok; ok = cursor.Prev())
                {
                    got.Add(new(cursor.Key.ToArray(), cursor.Value.ToArray()));
                }

                got.Reverse();
                ExpectPairs(expected, got, $"{what} reverse scan of {name}");
                break;
            }

            case 2:
            {
                var from = _rng.Next(4) == 0 ? null : RangeBound(expected);
                var to = _rng.Next(4) == 0 ? null : RangeBound(expected);
                var want = expected.Where(p => (from == null || Cmp(p.Key, from) >= 0) && (to == null || Cmp(p.Key, to) < 0)).ToList();
                var got = read.OpenCursor(db).Range(from, to).Select(p => new KeyValuePair<byte[], byte[]>(p.Key.ToArray(), p.Value.ToArray())).ToList();
                ExpectPairs(want, got, $"{what} range [{KvModel.Show(from)}, {KvModel.Show(to)}) of {name}");
                break;
            }

            case 3:
            {
                var prefix = PickPrefix(expected);
                var want = expected.Where(p => p.Key.AsSpan().StartsWith(prefix)).ToList();
                var got = read.OpenCursor(db).Prefix(prefix).Select(p => new KeyValuePair<byte[], byte[]>(p.Key.ToArray(), p.Value.ToArray())).ToList();
                ExpectPairs(want, got, $"{what} prefix {KvModel.Show(prefix)} of {name}");
                break;
            }

            case 4:
            {
                var cursor = read.OpenCursor(db);
                var seek = _rng.Next(2) == 0 ? null : RangeBound(expected);
                var want = seek == null ? expected : expected.Where(p => Cmp(p.Key, seek) >= 0).ToList();
                var positioned = seek == null ? cursor.First() : cursor.Seek(seek);
                Expect(want.Count > 0, positioned, "positioning before ReadBulk");
                var buffer = new BulkBuffer(_rng.Next(2) == 0 ? 1024 : 8192);
                var got = new List<KeyValuePair<byte[], byte[]>>();
                for (var calls = 0; ; calls++)
                {
                    var n = cursor.ReadBulk(buffer);
                    if (n == 0)
                    {
                        break;
                    }

                    Expect(n, buffer.Count, "ReadBulk's count");
                    for (var i = 0; i < n; i++)
                    {
                        got.Add(new(buffer.Key(i).ToArray(), buffer.Value(i).ToArray()));
                    }

                    if (calls > expected.Count + 2)
                    {
                        Fail("ReadBulk does not come to an end");
                    }
                }

                ExpectPairs(want, got, $"{what} ReadBulk from {KvModel.Show(seek)} of {name}");
                break;
            }

            case 5:
            case 6:
                CursorWalk(read, db, expected, what);
                break;
            case 7:
            {
                var cursor = read.OpenCursor(db);
                foreach (var key in Enumerable.Range(0, 4).Select(_ => RangeBound(expected)))
                {
                    var present = expected.Any(p => Cmp(p.Key, key) == 0);
                    Expect(present, cursor.SeekExact(key), $"SeekExact {KvModel.Show(key)}");
                }

                break;
            }

            default:
            {
                // Stepping off either end and back.
                var cursor = read.OpenCursor(db);
                Expect(expected.Count > 0, cursor.First(), "First");
                Expect(false, cursor.Prev(), "Prev from the first pair");
                Expect(expected.Count > 0, cursor.Next(), "Next after stepping off the start");
                if (expected.Count > 0)
                {
                    ExpectBytes(expected[0].Key, cursor.Key.ToArray(), "key after stepping back onto the start");
                }

                Expect(expected.Count > 0, cursor.Last(), "Last");
                Expect(false, cursor.Next(), "Next from the last pair");
                Expect(expected.Count > 0, cursor.Prev(), "Prev after stepping off the end");
                if (expected.Count > 0)
                {
                    ExpectBytes(expected[^1].Key, cursor.Key.ToArray(), "key after stepping back onto the end");
                }

                break;
            }
        }
    }

    /// <summary>Seek somewhere, then a random walk of Next/Prev, each position compared with the model.</summary>
    private void CursorWalk(ReadTransaction read, Database db, List<KeyValuePair<byte[], byte[]>> expected, string what)
    {
        var cursor = read.OpenCursor(db);
        var key = RangeBound(expected);
        var pos = LowerBound(expected, key);
        var ok = cursor.Seek(key);
        CheckPosition(cursor, expected, pos, ok, $"{what} Seek {KvModel.Show(key)}");
        var steps = _rng.Next(1, 60);
        for (var i = 0; i < steps; i++)
        {
            if (_rng.Next(2) == 0)
            {
                pos = Math.Min(pos + 1, expected.Count);
                ok = cursor.Next();
                CheckPosition(cursor, expected, pos, ok, $"{what} walk step {i} Next");
            }
            else
            {
                pos = Math.Max(pos - 1, -1);
                ok = cursor.Prev();
                CheckPosition(cursor, expected, pos, ok, $"{what} walk step {i} Prev");
            }
        }
    }

    private void CheckPosition(Cursor cursor, List<KeyValuePair<byte[], byte[]>> expected, int pos, bool ok, string what)
    {
        var valid = pos >= 0 && pos < expected.Count;
        Expect(valid, ok, $"{what}: result");
        Expect(valid, cursor.IsValid, $"{what}: IsValid");
        if (valid)
        {
            ExpectBytes(expected[pos].Key, cursor.Key.ToArray(), $"{what}: key");
            ExpectBytes(expected[pos].Value, cursor.Value.ToArray(), $"{what}: value");
        }
    }

    private static List<KeyValuePair<byte[], byte[]>> FullForward(ReadTransaction read, Database db)
    {
        var cursor = read.OpenCursor(db);
        var got = new List<KeyValuePair<byte[], byte[]>>();
        for (var ok = cursor.First(); ok; ok = cursor.Next())
        {
            got.Add(new(cursor.Key.ToArray(), cursor.Value.ToArray()));
        }

        return got;
    }

    /// <summary>Reads every database of <paramref name="read"/> in full into a model.</summary>
    private static KvModel ReadAll(ReadTransaction read)
    {
        var actual = new KvModel();
        foreach (var name in read.DatabaseNames())
        {
            actual.Create(name);
            foreach (var (k, v) in FullForward(read, read.OpenDatabase(name)))
            {
                actual.Db(name)[k] = v;
            }
        }

        return actual;
    }

    private void VerifyAll(string when)
    {
        using var read = Env.BeginRead();
        var diff = KvModel.Diff(_committed, ReadAll(read));
        if (diff != null)
        {
            Fail($"committed state {when}: {diff}");
        }

        var problem = TreeInvariants.Check(read);
        if (problem != null)
        {
            Fail($"tree structure {when}: {problem}");
        }
    }

    // ---- snapshots ----

    private void OpenSnapshot()
    {
        Step("open snapshot", () => _snapshots.Add(new Snapshot(Env.BeginRead(), _committed.Clone(), _op)));
    }

    private void CheckSomeSnapshot()
    {
        if (_snapshots.Count == 0)
        {
            return;
        }

        var s = _snapshots[_rng.Next(_snapshots.Count)];
        var close = _rng.Next(3) == 0;
        var full = _rng.Next(2) == 0;
        Step($"check snapshot from op {s.OpenedAt}{(full ? " (full)" : "")}{(close ? " and close" : "")}", () =>
        {
            VerifySnapshot(s, full);
            if (close)
            {
                CloseSnapshot(s);
            }
        });
    }

    private void VerifySnapshot(Snapshot s, bool full)
    {
        if (full)
        {
            var diff = KvModel.Diff(s.Model, ReadAll(s.Read)) ?? TreeInvariants.Check(s.Read);
            if (diff != null)
            {
                Fail($"snapshot from op {s.OpenedAt} no longer reads its state: {diff}");
            }
        }
        else
        {
            Scan(s.Read, s.Model, $"snapshot from op {s.OpenedAt}");
            var db = PickDb(s.Model);
            var pairs = s.Model.Db(db);
            var handle = s.Read.OpenDatabase(db);
            for (var i = 0; i < 5; i++)
            {
                var key = pairs.Count > 0 && _rng.Next(2) == 0 ? pairs.ElementAt(_rng.Next(pairs.Count)).Key : PickKey(pairs);
                ExpectBytes(pairs.GetValueOrDefault(key), s.Read.Get(handle, key), $"snapshot from op {s.OpenedAt} Get {KvModel.Show(key)}");
            }
        }
    }

    private void CloseSnapshot(Snapshot s)
    {
        s.Read.Dispose();
        _snapshots.Remove(s);
    }

    // ---- reopen ----

    private void Reopen(bool kill)
    {
        foreach (var s in _snapshots.ToList())
        {
            VerifySnapshot(s, full: true);
            CloseSnapshot(s);
        }

        if (kill)
        {
            _memory!.KillProcess();
        }
        else
        {
            Env.Dispose();
        }

        _env = null;
        _env = StorageEnvironment.Open(_home, _options, _fs, TimeProvider.System);
        var report = Env.RecoveryReport;
        Expect(0L, report.TornTailBytes, "torn tail bytes at reopen");
        if (!kill)
        {
            Expect(0, report.CommitsReplayed, "commits replayed after a clean close");
        }

        VerifyAll(kill ? "after kill and reopen" : "after clean reopen");
    }

    // ---- generators ----

    private byte[] PickKey(SortedDictionary<byte[], byte[]> pairs)
    {
        var r = _rng.Next(100);
        return r switch
        {
            < 35 => Encoding.ASCII.GetBytes($"{SmallKeyLetters[_rng.Next(SmallKeyLetters.Length)]}/{_rng.Next(20):D2}"),
            < 70 => _keyPool[_rng.Next(_keyPool.Count)],
            < 95 when pairs.Count > 0 => pairs.ElementAt(_rng.Next(pairs.Count)).Key,
            < 99 => RandomKey(_rng.Next(0, 30)),
            _ => RandomKey(_options.MaxKeySize - _rng.Next(0, 50)),
        };
    }

    private byte[] RandomKey(int length)
    {
        var key = new byte[length];
        for (var i = 0; i < length; i++)
        {
            key[i] = _rng.Next(8) switch
            {
                0 => 0x00,
                1 => 0xff,
                2 => 0x80,
                _ => (byte)_rng.Next(256),
            };
        }

        return key;
    }

    private byte[] MakeValue()
    {
        var limit = InlineLimit;
        var length = _rng.Next(100) switch
        {
            < 8 => 0,
            < 55 => _rng.Next(1, 65),
            < 78 => _rng.Next(65, 1500),
            < 88 => _rng.Next(Math.Max(0, limit - 300), limit + 300),
            < 96 => _rng.Next(2000, 12000),
            _ => _rng.Next(12000, 40 << 10),
        };
        var fill = _rng.Next(10);
        if (fill < 2)
        {
            return new byte[length];
        }

        if (fill < 3)
        {
            var pattern = BitConverter.GetBytes(_op);
            var v = new byte[length];
            for (var i = 0; i < length; i++)
            {
                v[i] = pattern[i % 4];
            }

            return v;
        }

        return RandomBytes(length);
    }

    private byte[] RandomBytes(int length)
    {
        var v = new byte[length];
        _rng.NextBytes(v);
        return v;
    }

    private byte[] RangeBound(List<KeyValuePair<byte[], byte[]>> pairs)
    {
        if (pairs.Count > 0 && _rng.Next(2) == 0)
        {
            var k = pairs[_rng.Next(pairs.Count)].Key;
            return _rng.Next(3) switch
            {
                0 => k,
                1 => [.. k, 0],
                _ => k.Length > 0 ? k[..^1] : k,
            };
        }

        return _rng.Next(2) == 0 ? _keyPool[_rng.Next(_keyPool.Count)] : Encoding.ASCII.GetBytes($"{SmallKeyLetters[_rng.Next(SmallKeyLetters.Length)]}/{_rng.Next(25)}");
    }

    private byte[] PickPrefix(List<KeyValuePair<byte[], byte[]>> pairs)
    {
        return _rng.Next(5) switch
        {
            0 => [],
            1 => Encoding.ASCII.GetBytes($"{SmallKeyLetters[_rng.Next(SmallKeyLetters.Length)]}/"),
            2 => Encoding.ASCII.GetBytes($"m{_rng.Next(10)}/"),
            _ when pairs.Count > 0 => pairs[_rng.Next(pairs.Count)].Key is var k ? k[..Math.Min(k.Length, _rng.Next(0, 4))] : [],
            _ => [(byte)_rng.Next(256)],
        };
    }

    private static int Cmp(byte[] a, byte[] b) => a.AsSpan().SequenceCompareTo(b);

    private static int LowerBound(List<KeyValuePair<byte[], byte[]>> pairs, byte[] key)
    {
        int lo = 0, hi = pairs.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (Cmp(pairs[mid].Key, key) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    // ---- checking and reporting ----

    private void Step(string what, Action action)
    {
        _trace.Add($"op {_op}: {what}");
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

    private void Expect<T>(T expected, T actual, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            Fail($"{what}: expected {expected}, got {actual}");
        }
    }

    private void ExpectBytes(byte[]? expected, byte[]? actual, string what)
    {
        if (expected == null ? actual != null : actual == null || !expected.AsSpan().SequenceEqual(actual))
        {
            Fail($"{what}: expected {KvModel.Show(expected)}, got {KvModel.Show(actual)}");
        }
    }

    private void ExpectPairs(List<KeyValuePair<byte[], byte[]>> expected, List<KeyValuePair<byte[], byte[]>> actual, string what)
    {
        var diff = KvModel.DiffPairs(expected, actual);
        if (diff != null)
        {
            Fail($"{what}: {diff}");
        }
    }

    private void Fail(string message)
    {
        _failed = true;
        var recent = string.Join("\n  ", _trace.Skip(Math.Max(0, _trace.Count - 40)));
        throw new XunitException(
            $"model test failed: seed {_seed}, op {_op} of {_opCount} (page {_options.PageSize}, log file {_options.LogFileSize}, " +
            $"log buffer {_options.LogBufferSize}, home {_home}{(_memory != null ? " in memory" : " on disk")}):\n{message}\n" +
            $"replay with new ModelRunner({_seed}, {_opCount}).Run(); last operations:\n  {recent}");
    }

    public bool Failed => _failed;

    /// <summary>How often each kind of operation ran (the first words of its trace line), to see what a run covered.</summary>
    public Dictionary<string, int> OpCounts() => _trace
        .Select(t => t[(t.IndexOf(':', StringComparison.Ordinal) + 2)..])
        .Select(t => string.Join(' ', t.Split(' ').Take(t.StartsWith("put many", StringComparison.Ordinal) || t.StartsWith("delete many", StringComparison.Ordinal) ? 2 : 1)))
        .GroupBy(t => t)
        .ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Deepest tree seen at the end of the run.</summary>
    public int MaxDepth { get; private set; }

    public void Dispose()
    {
        try
        {
            foreach (var s in _snapshots)
            {
                s.Read.Dispose();
            }

            for (var i = _txns.Count - 1; i >= 0; i--)
            {
                _txns[i].Abort();
            }

            _env?.Dispose();
        }
        catch (Exception) when (_failed)
        {
            // Cleaning up after a failure: the failure is what matters.
        }
    }

    private sealed record Snapshot(ReadTransaction Read, KvModel Model, int OpenedAt);
}
