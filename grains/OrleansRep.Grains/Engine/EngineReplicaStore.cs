using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Storage;
using OrleansRep.Storage.IO;
using OrleansRep.Storage.Log;

namespace OrleansRep.Grains.Engine;

/// <summary>
/// One shard replica's storage on the engine: the log of its <see cref="StorageEnvironment"/> (records as the
/// machine sees them, frames byte for byte as the engine wrote them, so a record read on the master is appended on a
/// client unchanged) plus its local bookkeeping (<see cref="ReplicaBookkeeping"/>). <see cref="Carry"/> carries out
/// a step's storage actions with the rules of the twin <see cref="MemoryReplicaStore"/>; the twin tests hold the two
/// to the same answers, except where the engine makes more durable than it was asked to (grains/README.md lists
/// where). Internal init: as a master it prepares snapshots (<see cref="Snapshots"/>, the machine's
/// <see cref="ISnapshotSource"/>); as a client it empties its environment and restarts the log at the init's first LSN
/// (<see cref="StorageEnvironment.OpenForInit"/>: a crash before <see cref="FinishInternalInit"/> reopens empty and still
/// marked), loads the chunks, and finishes. Not thread-safe: one step at a time, as the machine runs.
/// </summary>
public sealed class EngineReplicaStore : IReplicaStore, IDisposable
{
    private readonly ReplicaBookkeeping _bookkeeping;
    private readonly RecentPermRecords _recentPerm = new(1024);
    private readonly string _home;
    private readonly StorageOptions _options;
    private readonly IFileSystem? _fileSystem;
    private readonly TimeProvider? _time;

    // A NEWFILE moved the log to the start of this file before any record landed there. The engine has no empty
    // files, so the move lives here (and in the bookkeeping once flushed) until the next record lands in it.
    private uint _startedFile;

    private EngineReplicaStore(StorageEnvironment data, ReplicaBookkeeping bookkeeping, string home, StorageOptions options, IFileSystem? fileSystem, TimeProvider? time)
    {
        Environment = data;
        _bookkeeping = bookkeeping;
        (_home, _options, _fileSystem, _time) = (home, options, fileSystem, time);
        data.Flush(); // what recovery found is on disk; this makes the engine say so (its durable point starts unset)
        if (bookkeeping.StartedFile.File != 0 && bookkeeping.StartedFile.After == data.LogEnd)
        {
            _startedFile = bookkeeping.StartedFile.File;
        }
        else if (bookkeeping.StartedFile.File != 0)
        {
            bookkeeping.PersistStartedFile(0, Lsn.Zero); // the log moved on, or recovery cut it back: a stale move
        }
    }

    /// <summary>The data environment: the master writes its transactions here, then reads their records back with
    /// <see cref="ReadRange"/> for <see cref="LocalCommit"/>. Internal init replaces it (<see cref="BeginInternalInit"/>):
    /// read it anew each time rather than keep it.</summary>
    public StorageEnvironment Environment { get; private set; }

    /// <summary>The snapshots this replica prepared as a master, for the machine (<see cref="ISnapshotSource"/>).</summary>
    public EngineSnapshotSource Snapshots { get; } = new();

    /// <summary>The state as of the last <see cref="PersistState"/> (what a restarted machine starts from).</summary>
    public RepPersistentState State => _bookkeeping.State;

    public Lsn First => ReadFrom(Lsn.Zero)?.Lsn ?? Lsn.Zero;

    public Lsn LogEnd => _startedFile != 0 ? LogPositions.StartOfFile(_startedFile) : Environment.LogEnd;

    /// <summary>The engine's durable point; while it is where the log was when a move to a new file was made durable,
    /// the start of that file (the same place, in the twin's terms).</summary>
    public Lsn Durable => _bookkeeping.StartedFile is (not 0, var after) started && Environment.DurableLsn == after && LogEnd >= LogPositions.StartOfFile(started.File)
        ? LogPositions.StartOfFile(started.File)
        : Environment.DurableLsn;

    public int ParkedCount => _bookkeeping.ParkedCount;

    public LogRecordView? LastParked => _bookkeeping.Parked(Lsn.Zero, last: true);

    /// <summary>
    /// Opens the replica whose data lives in <paramref name="home"/> and whose bookkeeping lives in
    /// <paramref name="bookkeepingHome"/> (default: <paramref name="home"/> + ".rep", beside it, so that the data
    /// directory holds nothing but the engine's files). The data environment writes no checkpoint records: the log
    /// must stay the master's, LSN for LSN.
    /// </summary>
    public static EngineReplicaStore Open(string home, StorageOptions? options = null, string? bookkeepingHome = null, IFileSystem? fileSystem = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(home);
        var bookkeeping = ReplicaBookkeeping.Open(bookkeepingHome ?? home.TrimEnd('/', '\\') + ".rep", fileSystem, time);
        StorageEnvironment? data = null;
        try
        {
            var dataOptions = (options ?? new StorageOptions()) with { CheckpointRecords = false };
            data = StorageEnvironment.Open(home, dataOptions, fileSystem, time);
            return new EngineReplicaStore(data, bookkeeping, home, dataOptions, fileSystem, time);
        }
        catch
        {
            data?.Dispose();
            bookkeeping.Dispose();
            throw;
        }
    }

    public LogRecordView? Read(Lsn lsn)
    {
        if (lsn >= Environment.LogEnd || lsn < LogPositions.StartOfFile(1))
        {
            return null;
        }

        using var reader = Environment.OpenLogReader();
        return View(RecordAt(reader, lsn));
    }

    private static LogRecord? RecordAt(LogReader reader, Lsn lsn)
    {
        try
        {
            return reader.ReadAt(lsn);
        }
        catch (CorruptionException)
        {
            return null; // not the start of a record (an LSN of another site's log); real damage shows elsewhere
        }
    }

    public LogRecordView? ReadFrom(Lsn lsn) => Forward(lsn).FirstOrDefault();

    /// <summary>The records that start in [<paramref name="from"/>, <paramref name="to"/>), at most
    /// <paramref name="limit"/>.</summary>
    public IReadOnlyList<LogRecordView> ReadRange(Lsn from, Lsn to, int limit = int.MaxValue) =>
        [.. Forward(from).TakeWhile(r => r.Lsn < to).Take(limit)];

    /// <summary>One reader for the whole pass (held until the caller stops), not one per record as
    /// <see cref="ReadFrom"/> would: serving a catch-up reads megabytes this way.</summary>
    public IEnumerable<LogRecordView> Forward(Lsn from)
    {
        if (from >= Environment.LogEnd)
        {
            yield break;
        }

        using var reader = Environment.OpenLogReader();
        for (var r = FirstFrom(reader, from); r is not null; r = reader.Next(r))
        {
            yield return View(r)!;
        }
    }

    /// <summary>The first record at or after <paramref name="from"/>. Before the first record (archived, or Zero), or
    /// not a record start (the end of a file, an LSN of another site's log): the first record, or the one after the
    /// record that starts before it.</summary>
    private static LogRecord? FirstFrom(LogReader reader, Lsn from)
    {
        var start = from.IsZero ? null : RecordAt(reader, from);
        if (start is null)
        {
            var first = reader.ReadFrom(Lsn.Zero);
            start = first is null || from <= first.Lsn ? first : reader.Prev(from) is { } before ? reader.Next(before) : null;
        }

        return start;
    }

    public LogRecordView? LastPermBefore(Lsn before)
    {
        if (_recentPerm.TryLastBefore(before, Environment.LogEnd, out var recent))
        {
            return recent;
        }

        var (last, end) = Environment.LogTail;
        using var reader = Environment.OpenLogReader();
        foreach (var r in before >= end && !last.IsZero ? BackwardFrom(reader, last) : reader.Backward(before < end ? before : end))
        {
            if (r.Type.IsPermanent())
            {
                return View(r);
            }
        }

        return null;
    }

    // The log's newest records, from its last one (whose start the writer knows): reading backward from the end itself
    // would scan the whole present file for that start.
    private static IEnumerable<LogRecord> BackwardFrom(LogReader reader, Lsn last)
    {
        if (reader.ReadAt(last) is { } newest)
        {
            yield return newest;
            foreach (var r in reader.Backward(last))
            {
                yield return r;
            }
        }
    }

    public LogRecordView? ParkedFrom(Lsn lsn) => _bookkeeping.Parked(lsn);

    /// <summary>
    /// Carries out the storage actions among <paramref name="actions"/>, in order (the others are the caller's). Bad
    /// input (a record that does not go at the end of the log, a damaged frame, a cut that is not a record boundary)
    /// throws a <see cref="StorageException"/> and changes nothing of that action. A snapshot chunk that does not load
    /// (damaged in transit) is reported as a failed completion, which makes the machine ask for it again. A snapshot's
    /// completion comes later (<see cref="CarryOutcome.Pending"/>): it is planned off the caller's thread.
    /// </summary>
    public CarryOutcome Carry(IReadOnlyList<RepAction> actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        Lsn? flushed = null;
        List<RolledBackTransaction> rolledBack = [];
        List<Completed> completions = [];
        List<Task<Completed>> pending = [];
        foreach (var action in actions)
        {
            switch (action)
            {
                case AppendRecords append:
                    Append(append.Records);
                    break;
                case StartLogFile start when start.File > LogEnd.File:
                    _startedFile = start.File;
                    break;
                case FlushLog:
                    flushed = Flush();
                    break;
                case TruncateLog truncate:
                    rolledBack.AddRange(Truncate(truncate.To));
                    break;
                case ParkRecord park:
                    _bookkeeping.Park(park.Record);
                    break;
                case UnparkRecord unpark:
                    _bookkeeping.Unpark(unpark.Lsn);
                    break;
                case ClearParked:
                    _bookkeeping.ClearParked();
                    break;
                case PersistState persist:
                    _bookkeeping.Persist(persist.State);
                    break;
                case Checkpoint checkpoint:
                    Environment.Checkpoint();
                    completions.Add(new Completed(checkpoint.ActionId, Succeeded: true));
                    break;
                case PrepareSnapshot prepare:
                    var actionId = prepare.ActionId;
                    pending.Add(Snapshots.Prepare(prepare.SnapshotId, Environment).ContinueWith(
                        planned => new Completed(actionId, Succeeded: planned.Result), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
                    break;
                case ReleaseSnapshot release:
                    Snapshots.Release(release.SnapshotId);
                    break;
                case BeginInternalInit begin:
                    BeginInit(begin.FirstLsn);
                    break;
                case StoreSnapshotChunk chunk:
                    completions.Add(new Completed(chunk.ActionId, Succeeded: StoreChunk(chunk.Data)));
                    break;
                case FinishInternalInit:
                    Environment.Replica.FinishInit();
                    break;
            }
        }

        return new CarryOutcome(flushed, rolledBack, completions, pending);
    }

    private void Append(IReadOnlyList<LogRecordView> records)
    {
        // Every record is checked before the first is written, so a bad batch leaves the log as it was.
        var end = LogEnd;
        foreach (var r in records)
        {
            var frame = r.Frame.Span;
            if (r.Lsn != end && (r.Lsn != LogPositions.StartOfFile(end.File + 1) || end.Offset == LogFormat.FileHeaderSize))
            {
                throw new LogPositionException($"record at {r.Lsn} does not follow the end of the log {end}");
            }

            if (frame.Length < LogFormat.RecordHeaderSize || LogFormat.RecordLength(frame) != frame.Length || !LogFormat.RecordChecksumMatches(frame) || KindOf((LogRecordType)frame[12]) != r.Kind)
            {
                throw new CorruptionException("(replicated record)", r.Lsn.Offset, $"record {r} has a bad length, checksum or kind");
            }

            end = LogPositions.After(r);
        }

        _recentPerm.Appending(Environment.LogEnd);
        foreach (var r in records)
        {
            Environment.Replica.Append(r.Lsn, r.Frame.Span);
            _startedFile = 0;
        }

        _recentPerm.Appended(records, Environment.LogEnd);
    }

    /// <summary>
    /// Makes the log durable to its present end without blocking the caller: the engine's flusher thread writes and
    /// fsyncs (group commit with whatever else waits), and the result is the durable point then (feed it back as
    /// <see cref="LogDurable"/>). Appends may go on meanwhile. A pending move to a new file is recorded synchronously
    /// (rare: once per log file).
    /// </summary>
    public async ValueTask<Lsn> FlushAsync()
    {
        if (_startedFile != 0)
        {
            return Flush();
        }

        var environment = Environment;
        try
        {
            await environment.Replica.WaitDurableAsync(environment.LogEnd).ConfigureAwait(true);
        }
        catch (Exception e) when (e is ObjectDisposedException or StorageException && !ReferenceEquals(environment, Environment))
        {
            // Internal init replaced the environment meanwhile (closing the old one flushed it): the new log is durable
            // to where it restarted, which is what the machine is told.
        }

        return Durable;
    }

    private Lsn Flush()
    {
        Environment.Flush();
        if (_startedFile != 0 && _bookkeeping.StartedFile.File != _startedFile)
        {
            _bookkeeping.PersistStartedFile(_startedFile, Environment.LogEnd);
        }

        return Durable;
    }

    private IReadOnlyList<RolledBackTransaction> Truncate(Lsn to)
    {
        _recentPerm.Clear();
        var end = LogEnd;
        if (to > end)
        {
            throw new LogPositionException($"cannot truncate to {to}: the log ends at {end}");
        }

        if (to == end)
        {
            return [];
        }

        var undone = Environment.Replica.RollBack(to);
        _startedFile = 0;
        if (_bookkeeping.StartedFile.File != 0)
        {
            _bookkeeping.PersistStartedFile(0, Lsn.Zero);
        }

        return undone;
    }

    /// <summary>
    /// Empties the replica and restarts its log at <paramref name="firstLsn"/> (the machine persisted its own marker
    /// first). The environment is closed and opened again for init; the engine's marker makes every open until
    /// <see cref="FinishInternalInit"/> empty it again. Parked records and a pending move to a new file go too.
    /// </summary>
    private void BeginInit(Lsn firstLsn)
    {
        _recentPerm.Clear();
        if (firstLsn.File == 0 || firstLsn.Offset < LogFormat.FileHeaderSize)
        {
            // Checked before the environment closes: a bad action leaves the replica as it was.
            throw new LogPositionException($"internal init cannot restart the log at {firstLsn}");
        }

        Snapshots.ReleaseAll();
        Environment.Dispose();
        Environment = StorageEnvironment.OpenForInit(_home, firstLsn, _options, _fileSystem, _time);
        Environment.Flush(); // the restarted log is durable to its start (nothing of it is unsynced)
        _startedFile = 0;
        if (_bookkeeping.StartedFile.File != 0)
        {
            _bookkeeping.PersistStartedFile(0, Lsn.Zero);
        }

        _bookkeeping.ClearParked();
    }

    private bool StoreChunk(ReadOnlyMemory<byte> data)
    {
        try
        {
            Environment.Replica.LoadSnapshotChunk(data);
            return true;
        }
        catch (SnapshotChunkException)
        {
            return false;
        }
    }

    /// <summary>
    /// Log archiving (Berkeley DB's DB_LOG_AUTO_REMOVE): checkpoints, then removes the log files recovery no longer
    /// needs. A client whose next record was in a removed file is brought back by internal init. Returns the names of
    /// the files removed.
    /// </summary>
    public IReadOnlyList<string> ArchiveLog() => ArchiveLog(Lsn.Zero).Removed;

    /// <summary>
    /// As <see cref="ArchiveLog()"/>, but keeps every file from <paramref name="keepForClients"/>'s file on (the oldest
    /// LSN a lagging client still needs, on a master; <see cref="Lsn.Zero"/>: none), and says which files it kept for
    /// that reason. The retention lives only for this call: the environment is reopened by an internal init, and the
    /// position clients need is the caller's to work out anew each time.
    /// </summary>
    public ArchivedLog ArchiveLog(Lsn keepForClients)
    {
        Environment.Checkpoint();
        if (keepForClients.IsZero)
        {
            return new ArchivedLog(Environment.RemoveArchivableLogFiles(), []);
        }

        var withoutClients = Environment.ArchivableLogFiles();
        using (Environment.AddLogRetention(() => keepForClients))
        {
            var removed = Environment.RemoveArchivableLogFiles();
            return new ArchivedLog(removed, [.. withoutClients.Except(removed, StringComparer.Ordinal)]);
        }
    }

    /// <summary>The machine's view of an engine log record (the master's own commits, as <see cref="StorageEnvironment"/>
    /// captured them).</summary>
    internal static LogRecordView? View(LogRecord? record) => record is null ? null : new LogRecordView(record.Lsn, KindOf(record.Type), record.Frame);

    /// <summary>The kind the machine needs of a record of the engine's log.</summary>
    public static RecordKind KindOf(LogRecordType type) => type switch
    {
        LogRecordType.Commit => RecordKind.Commit,
        LogRecordType.Checkpoint => RecordKind.Checkpoint,
        _ => RecordKind.Data,
    };

    public void Dispose()
    {
        try
        {
            Snapshots.Dispose();
            Environment.Dispose();
        }
        finally
        {
            _bookkeeping.Dispose();
        }
    }
}
