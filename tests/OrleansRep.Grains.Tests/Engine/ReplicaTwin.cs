using OrleansRep.Grains.Engine;
using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Storage;
using OrleansRep.Storage.IO;

namespace OrleansRep.Grains.Tests.Engine;

/// <summary>
/// An <see cref="EngineReplicaStore"/> (on a <see cref="MemoryFileSystem"/> that can lose power) and its twin
/// <see cref="MemoryReplicaStore"/>, given the same actions and compared on every answer of
/// <see cref="IReplicaStore"/>. Where the engine makes the log durable on its own (a rollback fsyncs before it cuts, a
/// checkpoint flushes what it writes out) the twin follows with <see cref="MemoryReplicaStore.MakeDurable(Lsn)"/>, as
/// the simulator's disk reports a flush that finished.
/// </summary>
internal sealed class ReplicaTwin : IDisposable
{
    public const string Home = "/data/site-1/shard-0";

    private readonly MemoryFileSystem _fs = new();

    public ReplicaTwin()
    {
        Engine = EngineReplicaStore.Open(Home, MasterLogSource.Options, fileSystem: _fs);
    }

    public EngineReplicaStore Engine { get; private set; }

    public MemoryReplicaStore Memory { get; } = new();

    /// <summary>Where the log starts: file 1, or the first LSN of the last internal init.</summary>
    public Lsn LogStart { get; private set; } = LogPositions.StartOfFile(1);

    /// <summary>
    /// Internal init on both, as the machine drives it on a client: the marker is persisted, the store emptied with
    /// its log restarted at the snapshot's LSN, every chunk stored (in a seeded random order, one of them twice, each
    /// reported completed), then the master's log after the snapshot appended up to <paramref name="upTo"/>, flushed,
    /// and the init finished. With <paramref name="crashAfterChunks"/> the power goes after that many chunks: the
    /// engine must come back empty at the first LSN and still marked, and the init is done again from the start.
    /// </summary>
    public void InternalInit(MasterLogSource master, long snapshotId, Random random, int upTo, int? crashAfterChunks, CrashMode mode, string context)
    {
        using var snapshot = master.Snapshot();
        var first = snapshot.ConsistentAt;
        for (var attempt = 0; ; attempt++)
        {
            Assert.Null(Carry([new PersistState(Memory.State with { InitSnapshotId = snapshotId }), new BeginInternalInit(snapshotId, first)], context + " begin init"));
            LogStart = first;
            Assert.True(Engine.Environment.InitPending, $"{context}: no init marker after BeginInternalInit");
            var order = Enumerable.Range(0, snapshot.ChunkCount).OrderBy(_ => random.Next()).Append(random.Next(snapshot.ChunkCount)).ToList();
            var stored = 0;
            foreach (var index in order)
            {
                if (attempt == 0 && crashAfterChunks == stored)
                {
                    break;
                }

                var outcome = Engine.Carry([new StoreSnapshotChunk(index + 1_000, snapshotId, index, snapshot.ReadChunk(index))]);
                Assert.Equal([new Replication.Inputs.Completed(index + 1_000, Succeeded: true)], outcome.Completions);
                stored++;
            }

            if (attempt > 0 || crashAfterChunks is null)
            {
                break;
            }

            _fs.Crash(mode, seed: stored);
            Engine = EngineReplicaStore.Open(Home, MasterLogSource.Options, fileSystem: _fs);
            Assert.True(Engine.Environment.InitPending, $"{context}: a crash after {stored} chunks ({mode}) lost the init marker");
            Assert.Equal(first, Engine.LogEnd);
            using var read = Engine.Environment.BeginRead();
            Assert.Empty(read.DatabaseNames());
        }

        var from = master.IndexFrom(first);
        var records = master.Records.Skip(from).Take(Math.Max(0, upTo - from)).ToList();
        List<RepAction> finish = [new AppendRecords(records), new FlushLog(), new FinishInternalInit(snapshotId), new PersistState(Memory.State with { InitSnapshotId = 0 })];
        Assert.Null(Carry(records.Count > 0 ? finish : finish[1..], context + " finish init"));
        Assert.False(Engine.Environment.InitPending, $"{context}: the init marker outlived FinishInternalInit");
    }

    /// <summary>Carries out <paramref name="actions"/> on both. Returns the engine's exception when both refused
    /// them (the twin's may be of another type), null when both carried them out; fails when only one refused.</summary>
    public Exception? Carry(IReadOnlyList<RepAction> actions, string context)
    {
        Exception? memoryError = null, engineError = null;
        Lsn? memoryFlushed = null;
        CarryOutcome? outcome = null;
        try
        {
            memoryFlushed = Memory.Carry(actions);
        }
        catch (InvalidOperationException e)
        {
            memoryError = e;
        }

        try
        {
            outcome = Engine.Carry(actions);
        }
        catch (StorageException e)
        {
            engineError = e;
        }

        Assert.True((memoryError is null) == (engineError is null), $"{context}: twin error '{memoryError?.Message}', engine error '{engineError?.Message}'");
        if (outcome is not null)
        {
            Same(memoryFlushed, outcome.Flushed, context, "flushed LSN");
            if (actions.Any(a => a is TruncateLog or Checkpoint))
            {
                Assert.True(Engine.Durable >= Memory.Durable && Engine.Durable <= Engine.LogEnd, $"{context}: engine durable {Engine.Durable}, twin {Memory.Durable}, end {Engine.LogEnd}");
                Memory.MakeDurable(Engine.Durable);
            }
        }

        return engineError;
    }

    /// <summary>
    /// Power loss on both: what was not durable may be gone, and parked records are. The engine must keep the twin's
    /// durable log, except that recovery cuts off the records of a transaction whose commit is not in the log (never
    /// PERM, never acknowledged: the master sends them again). Its disk may also have written more than it reported
    /// durable (a full log file is fsynced before the next one is made, and <paramref name="mode"/> may keep unsynced
    /// writes): anything more must be a prefix of what was appended. The twin is then brought to the same point.
    /// </summary>
    public void Crash(int seed, CrashMode mode = CrashMode.LoseUnsynced)
    {
        var appended = Memory.Records;
        var durable = Memory.Durable;
        var mustKeep = Memory.LastPermBefore(durable) is { } perm && LogPositions.After(perm) <= durable ? LogPositions.After(perm) : Lsn.Zero;
        Memory.Crash();
        _fs.Crash(mode, seed);

        // The dead instance is dropped, not disposed: closing would checkpoint and flush, which a power loss does not.
        Engine = EngineReplicaStore.Open(Home, MasterLogSource.Options, fileSystem: _fs);
        var context = $"crash {seed} ({mode}), twin durable to {durable}, last commit ending {mustKeep}";
        Assert.True(Engine.LogEnd >= mustKeep, $"{context}: the engine's log ends at {Engine.LogEnd}, before the last durable commit");
        if (Engine.LogEnd < Memory.LogEnd)
        {
            Assert.True(appended.All(r => r.Lsn < Engine.LogEnd || r.Lsn >= Memory.LogEnd || !r.IsPerm), $"{context}: the engine cut a durable commit off");
            Memory.Carry([new TruncateLog(Engine.LogEnd, [])]);
        }

        var kept = Engine.ReadRange(Memory.LogEnd, Lsn.Max);
        foreach (var record in kept)
        {
            var index = appended.ToList().FindIndex(r => r.Lsn == record.Lsn);
            Assert.True(index >= 0 && appended[index].SameBytes(record), $"{context}: the engine kept {record}, which was never appended");
        }

        Memory.Carry(kept.Count > 0 ? [new AppendRecords(kept)] : []);
        if (Engine.LogEnd > Memory.LogEnd)
        {
            Memory.Carry([new StartLogFile(Engine.LogEnd.File)]);
        }

        Same(Engine.LogEnd, Memory.LogEnd, context, "LogEnd after the crash");
        Memory.MakeDurable();
    }

    /// <summary>Compares the cheap answers and, at <paramref name="probes"/>, the record answers.</summary>
    public void AssertSame(string context, IEnumerable<Lsn> probes)
    {
        Same(Memory.First, Engine.First, context, "First");
        Same(Memory.LogEnd, Engine.LogEnd, context, "LogEnd");
        Same(Memory.Durable, Engine.Durable, context, "Durable");
        Same(Memory.ParkedCount, Engine.ParkedCount, context, "ParkedCount");
        SameRecord(Memory.LastParked, Engine.LastParked, context, "LastParked");
        Assert.True(RepStateCodec.Encode(Memory.State).AsSpan().SequenceEqual(RepStateCodec.Encode(Engine.State)), $"{context}: persisted states differ");
        foreach (var lsn in probes.Append(Lsn.Zero).Append(Memory.LogEnd))
        {
            SameRecord(Memory.Read(lsn), Engine.Read(lsn), context, $"Read({lsn})");
            SameRecord(Memory.ReadFrom(lsn), Engine.ReadFrom(lsn), context, $"ReadFrom({lsn})");
            SameRecord(Memory.LastPermBefore(lsn), Engine.LastPermBefore(lsn), context, $"LastPermBefore({lsn})");
            SameRecord(Memory.ParkedFrom(lsn), Engine.ParkedFrom(lsn), context, $"ParkedFrom({lsn})");
        }
    }

    /// <summary>Compares the whole log, record by record.</summary>
    public void AssertSameLog(string context)
    {
        var expected = Memory.Records;
        var actual = Engine.ReadRange(Lsn.Zero, Lsn.Max);
        Same(expected.Count, actual.Count, context, "record count");
        for (var i = 0; i < expected.Count; i++)
        {
            SameRecord(expected[i], actual[i], context, $"record #{i}");
        }
    }

    /// <summary>The engine's data is the master's as of the last commit in the log: what rollbacks and recoveries
    /// left applied, not only the log.</summary>
    public void AssertSameData(MasterLogSource master, string context)
    {
        // After an internal init the data before the log's start came from the snapshot: the master's as of then.
        var lastCommit = Memory.Records.LastOrDefault(r => r.Kind == RecordKind.Commit)
            ?? master.Records.LastOrDefault(r => r.Kind == RecordKind.Commit && r.Lsn < LogStart);
        var expected = master.StateAfter(lastCommit?.Lsn ?? Lsn.Zero);
        using var read = Engine.Environment.BeginRead();
        var actual = read.TryOpenDatabase("data", out var db)
            ? read.OpenCursor(db).Range(null, null).ToDictionary(p => BitConverter.ToInt32(p.Key.Span), p => p.Value.ToArray())
            : [];
        Assert.True(
            expected.Count == actual.Count && expected.All(e => actual.TryGetValue(e.Key, out var v) && v.AsSpan().SequenceEqual(e.Value)),
            $"{context}: the engine's data ({actual.Count} keys) is not the master's after {lastCommit?.ToString() ?? "nothing"} ({expected.Count} keys)");
    }

    private static void Same<T>(T expected, T actual, string context, string what) =>
        Assert.True(EqualityComparer<T>.Default.Equals(expected, actual), $"{context}: {what}: twin {expected}, engine {actual}");

    private static void SameRecord(LogRecordView? expected, LogRecordView? actual, string context, string what) =>
        Assert.True(
            expected is null ? actual is null : actual is not null && expected.Lsn == actual.Lsn && expected.Kind == actual.Kind && expected.SameBytes(actual),
            $"{context}: {what}: twin {expected?.ToString() ?? "none"}, engine {actual?.ToString() ?? "none"} {(expected is null || actual is null ? "" : "headers " + Convert.ToHexString(expected.Frame.Span[..32]) + " vs " + Convert.ToHexString(actual.Frame.Span[..32]))}");

    public void Dispose() => Engine.Dispose();
}
