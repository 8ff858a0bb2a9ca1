using System.Collections.Immutable;
using OrleansRep.Grains.Engine;
using OrleansRep.Replication;
using OrleansRep.Storage;
using OrleansRep.Storage.IO;

namespace OrleansRep.Grains.Tests.Engine;

/// <summary>A master-like writer for the tests: a real engine environment doing seeded random transactions (now and
/// then a checkpoint, and a transaction large enough to need an Ops record before its Commit), whose log records are
/// what the replicas under test receive.</summary>
internal sealed class MasterLogSource : IDisposable
{
    public static readonly StorageOptions Options = new() { LogFileSize = 64 << 10, CheckpointInterval = TimeSpan.Zero, CacheSize = 1 << 20, PrepareLogFilesAhead = false };

    private readonly Random _random;
    private readonly StorageEnvironment _env;
    private readonly Database _db;
    private readonly List<LogRecordView> _records = [];
    private readonly Dictionary<Lsn, ImmutableSortedDictionary<int, byte[]>> _stateAfter = [];
    private ImmutableSortedDictionary<int, byte[]> _state = ImmutableSortedDictionary<int, byte[]>.Empty;

    public MasterLogSource(int seed)
    {
        _random = new Random(seed);
        _env = StorageEnvironment.Open("/master", Options, new MemoryFileSystem());
        _db = _env.OpenDatabase("data", create: true);
    }

    /// <summary>Every record written so far, in log order.</summary>
    public IReadOnlyList<LogRecordView> Records => _records;

    /// <summary>Writes until at least <paramref name="count"/> records exist.</summary>
    public void EnsureRecords(int count)
    {
        while (_records.Count < count)
        {
            var roll = _random.Next(100);
            if (roll < 3)
            {
                _env.Checkpoint();
            }
            else
            {
                using var txn = _env.BeginWrite();
                var big = roll < 4;
                for (var i = big ? 0 : 1; i < 2; i++)
                {
                    var (key, value) = (_random.Next(200), Value(big ? 600_000 : _random.Next(16, 3_000)));
                    txn.Put(_db, BitConverter.GetBytes(key), value);
                    _state = _state.SetItem(key, value);
                }

                if (_random.Next(5) == 0)
                {
                    var key = _random.Next(200);
                    txn.Delete(_db, BitConverter.GetBytes(key));
                    _state = _state.Remove(key);
                }

                _stateAfter[txn.Commit(Durability.NoSync)] = _state;
            }

            using var reader = _env.OpenLogReader();
            foreach (var r in reader.Forward(_records.Count == 0 ? Lsn.Zero : LogPositions.After(_records[^1])))
            {
                _records.Add(new LogRecordView(r.Lsn, EngineReplicaStore.KindOf(r.Type), r.Frame));
            }
        }
    }

    /// <summary>A snapshot of the master's data as of now, for internal init (its first LSN is the end of the log).</summary>
    public Storage.Snapshot.EnvironmentSnapshot Snapshot() => _env.CreateSnapshot(chunkBytes: 16 << 10);

    /// <summary>The master's data once the commit at <paramref name="commit"/> was applied (empty before the first).</summary>
    public ImmutableSortedDictionary<int, byte[]> StateAfter(Lsn commit) => _stateAfter.GetValueOrDefault(commit, ImmutableSortedDictionary<int, byte[]>.Empty);

    /// <summary>The index of the record at <paramref name="lsn"/>, or of the first one after it; Count if none.</summary>
    public int IndexFrom(Lsn lsn)
    {
        int lo = 0, hi = _records.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (_records[mid].Lsn < lsn)
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

    private byte[] Value(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    public void Dispose() => _env.Dispose();
}
