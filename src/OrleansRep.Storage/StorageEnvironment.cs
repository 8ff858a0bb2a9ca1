using OrleansRep.Storage.IO;
using OrleansRep.Storage.Log;
using OrleansRep.Storage.Snapshot;
using OrleansRep.Storage.Tree;
using OrleansRep.Storage.Txn;

namespace OrleansRep.Storage;

/// <summary>
/// An embedded transactional key-value store on a home directory (the role a Berkeley DB environment plays):
/// named B+tree databases, one writer at a time plus lock-free snapshot readers, a write-ahead log with group
/// commit, checkpoints and crash recovery. Open it with <see cref="Open"/>; a second opener of the same home gets
/// <see cref="EnvironmentLockedException"/>.
/// </summary>
public sealed class StorageEnvironment : IDisposable
{
    public const string LockFileName = "__orep.lock";

    private readonly IFileSystem _fs;
    private readonly IDisposable _lock;
    private readonly PageStore _store;
    private readonly LogWriter _log;
    private readonly Checkpointer _checkpointer;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly PendingReleases _pendingReleases = new();
    private readonly LogArchive _archive;
    private readonly CheckpointScheduler _checkpointScheduler;
    private readonly TxnOpBuffer _opBuffer = new();
    private readonly Evictor _evictor;
    private int _evictionRunning;
    private TreeWriter? _treeWriter;
    private CommitPoint _commitPoint;
    private volatile CatalogVersion _catalog;
    private int _scope;
    private long _commits;
    private bool _disposed;
    private volatile bool _initPending;

    private StorageEnvironment(string home, StorageOptions options, IFileSystem fs, TimeProvider time, IDisposable lockHandle, PageStore store, Recovery.Result recovered)
    {
        Home = home;
        Options = options;
        _fs = fs;
        _time = time;
        _lock = lockHandle;
        _store = store;
        _log = recovered.Log;
        _checkpointer = recovered.Checkpointer;
        _catalog = recovered.Catalog;
        _commitPoint = new CommitPoint(recovered.Version, recovered.LogEnd);
        _pendingReleases.AddRange(recovered.Released);

        RecoveryReport = recovered.Report;
        _initPending = fs.Exists(Path.Combine(home, InitMarker.FileName));
        SuppressCheckpointRecords = !options.CheckpointRecords;
        _archive = new LogArchive(fs, home, () => _checkpointer.Meta.RedoLsn, () => _log.End);
        _evictor = new Evictor(store);
        store.LeafLoaded = OnLeafLoaded;
        _checkpointScheduler = new CheckpointScheduler(this, _log, time);
    }

    public string Home { get; }

    public StorageOptions Options { get; }

    /// <summary>What opening found and did: redo range, records replayed, torn tail cut.</summary>
    public RecoveryReport RecoveryReport { get; }

    internal ReaderTable Readers { get; } = new();

    internal PageLayoutInfo Layout => _store.Layout;

    /// <summary>
    /// When set, the environment writes no checkpoint records into its log: a replication client must keep its log
    /// identical to the master's, LSN for LSN.
    /// </summary>
    public bool SuppressCheckpointRecords { get; set; }

    /// <summary>Opens (creating if needed) the environment in <paramref name="home"/> and recovers it. If an internal
    /// init was under way there (<see cref="InitPending"/>), it is emptied again and stays pending.</summary>
    public static StorageEnvironment Open(string home, StorageOptions? options = null, IFileSystem? fileSystem = null, TimeProvider? time = null) =>
        OpenCore(home, options, fileSystem, time, initAt: null);

    /// <summary>
    /// Begins an internal init (the client's side; Berkeley DB's <c>__db.rep.init</c>): durably marks the home as
    /// being initialised, empties it (every database and log file goes) and opens it with its log restarted at
    /// <paramref name="firstLsn"/>: the next record appended goes there. Load the snapshot with
    /// <see cref="ReplicaLog.LoadSnapshotChunk"/>, append the log from <paramref name="firstLsn"/> with
    /// <see cref="ReplicaLog.Append"/>, then <see cref="ReplicaLog.FinishInit"/>. Until then <see cref="InitPending"/>
    /// is true, and every open (after a crash) empties the environment again. The home must not be open.
    /// </summary>
    public static StorageEnvironment OpenForInit(string home, Lsn firstLsn, StorageOptions? options = null, IFileSystem? fileSystem = null, TimeProvider? time = null)
    {
        if (InitMarker.Check(firstLsn) is { } problem)
        {
            throw new LogPositionException(problem);
        }

        return OpenCore(home, options, fileSystem, time, firstLsn);
    }

    private static StorageEnvironment OpenCore(string home, StorageOptions? options, IFileSystem? fileSystem, TimeProvider? time, Lsn? initAt)
    {
        var fs = fileSystem ?? OsFileSystem.Instance;
        fs.CreateDirectory(home);
        var opts = ApplyConfigFile(options ?? new StorageOptions(), fs, home);
        opts.Validate();
        var lockHandle = fs.Lock(Path.Combine(home, LockFileName), home);
        PageStore? store = null;
        try
        {
            if (initAt is { } first)
            {
                // The marker first: from here on every open (recovery) empties the home and restarts the log there.
                InitMarker.Write(fs, home, first);
            }

            var (s, recovered) = Recovery.Run(fs, home, opts);
            store = s;
            var env = new StorageEnvironment(home, opts, fs, time ?? TimeProvider.System, lockHandle, s, recovered);
            if (recovered.Report.CommitsReplayed > 0 || recovered.Report.TornTailBytes > 0)
            {
                env.Checkpoint();
            }

            return env;
        }
        catch
        {
            store?.Dispose();
            lockHandle.Dispose();
            throw;
        }
    }

    private static StorageOptions ApplyConfigFile(StorageOptions options, IFileSystem fs, string home)
    {
        var path = Path.Combine(home, StorageOptions.ConfigFileName);
        if (!fs.Exists(path))
        {
            return options;
        }

        using var file = fs.Open(path, create: false);
        var bytes = new byte[file.Length];
        file.Read(0, bytes);
        return options.Parse(System.Text.Encoding.UTF8.GetString(bytes).Split('\n'), path);
    }

    /// <summary>Begins a snapshot read of the latest commit.</summary>
    public ReadTransaction BeginRead()
    {
        ThrowIfDisposed();
        var point = Readers.Enter(() => Volatile.Read(ref _commitPoint));
        return new ReadTransaction(this, point, CatalogVersion.Resolve(_catalog, point.Version)!, registered: true);
    }

    /// <summary>Begins the write transaction, waiting while another writer holds it.</summary>
    public WriteTransaction BeginWrite()
    {
        ThrowIfDisposed();
        _writer.Wait();
        return StartWrite();
    }

    public async ValueTask<WriteTransaction> BeginWriteAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        return StartWrite();
    }

    private WriteTransaction StartWrite()
    {
        try
        {
            ThrowIfWriteFailed();
        }
        catch
        {
            _writer.Release();
            throw;
        }

        // Only the holder of the writer lock uses these, so one of each serves every transaction.
        var point = Volatile.Read(ref _commitPoint);
        var writer = ResetTreeWriter(point.Version + 1);
        _opBuffer.Reset();
        return new WriteTransaction(this, point, _catalog, writer, _opBuffer);
    }

    /// <summary>True while an internal init is under way here (<see cref="OpenForInit"/> until
    /// <see cref="ReplicaLog.FinishInit"/>): the data is partial and not durable.</summary>
    public bool InitPending => _initPending;

    internal void EndInit()
    {
        InitMarker.Remove(_fs, Home);
        _initPending = false;
    }

    /// <summary>
    /// Takes a consistent snapshot of every database as of the latest commit, for internal init: chunks of about
    /// <paramref name="chunkBytes"/> (default 1 MiB) and the LSN it is consistent at. Writers go on meanwhile; the
    /// snapshot holds a read transaction (and the versions it sees) until disposed. With <paramref name="plan"/> false
    /// the chunks are not cut yet: call <see cref="EnvironmentSnapshot.Plan"/>, on any thread, before reading them.
    /// </summary>
    public EnvironmentSnapshot CreateSnapshot(int chunkBytes = EnvironmentSnapshot.DefaultChunkBytes, bool plan = true)
    {
        ThrowIfDisposed();
        return new EnvironmentSnapshot(this, chunkBytes, plan);
    }

    /// <summary>The engine's side of replication: records shipped from a master, rollback of a diverged tail.</summary>
    public ReplicaLog Replica => _replica ??= new ReplicaLog(this);

    private ReplicaLog? _replica;

    internal LogWriter Log => _log;

    internal CatalogVersion CurrentCatalog => _catalog;

    internal CommitPoint LastCommit => Volatile.Read(ref _commitPoint);

    internal void EnterWriter() => _writer.Wait();

    internal TreeWriter ResetTreeWriter(long version)
    {
        _treeWriter ??= new TreeWriter(0, _store.Layout, OldestReader);
        _treeWriter.Reset(version);
        return _treeWriter;
    }

    internal void PublishApplied(long version, Lsn end, List<object> released) => Publish(version, end, released);

    /// <summary>Opens a database by name, creating it in its own transaction when asked.</summary>
    public Database OpenDatabase(string name, bool create = false)
    {
        using (var read = BeginRead())
        {
            if (read.TryOpenDatabase(name, out var existing))
            {
                return existing;
            }
        }

        if (!create)
        {
            throw new DatabaseNotFoundException(name);
        }

        using var txn = BeginWrite();
        var db = txn.OpenDatabase(name, create: true);
        txn.Commit();
        return db;
    }

    /// <summary>A point read of the latest commit without a transaction (no registration: the cheapest read).</summary>
    public bool TryGet(Database database, ReadOnlySpan<byte> key, out ReadOnlyMemory<byte> value)
    {
        var point = Volatile.Read(ref _commitPoint);
        var catalog = CatalogVersion.Resolve(_catalog, point.Version);
        if (catalog != null && catalog.ById.TryGetValue(database.Id, out var state) && ReferenceEquals(state, database.State))
        {
            var found = TreeReader.TryGet(state, key, point.Version, out var bytes, out var stale);
            if (found || !stale)
            {
                value = bytes;
                return found;
            }
        }

        using var read = BeginRead();
        return read.TryGet(database, key, out value);
    }

    /// <summary>A copy of the latest committed value, or null.</summary>
    public byte[]? Get(Database database, ReadOnlySpan<byte> key) => TryGet(database, key, out var v) ? v.ToArray() : null;

    internal int NextScope() => Interlocked.Increment(ref _scope);

    internal long OldestReader() => Math.Min(Readers.Oldest, Volatile.Read(ref _commitPoint).Version);

    internal void InstallCatalog(CatalogVersion catalog) => _catalog = catalog;

    internal void RestoreCatalog(CatalogVersion catalog) => _catalog = catalog;

    internal void EndWrite() => _writer.Release();

    internal void CheckSizes(int keyLength, long valueLength)
    {
        if (keyLength > Options.MaxKeySize)
        {
            throw new KeyTooLargeException(keyLength, Options.MaxKeySize);
        }

        if (valueLength > Options.MaxValueSize)
        {
            throw new ValueTooLargeException(valueLength, Options.MaxValueSize);
        }
    }

    /// <summary>Logs and publishes a transaction, then lets the next writer in. Returns the commit record's LSN and
    /// the log position the commit's durability must reach (Zero, Zero for a transaction that changed nothing).</summary>
    internal (Lsn CommitLsn, Lsn End) CommitCore(WriteTransaction txn, List<LogRecord>? capture = null)
    {
        if (!txn.HasOps)
        {
            RestoreCatalog(txn.Catalog);
            EndWrite();
            return (Lsn.Zero, Lsn.Zero);
        }

        Lsn commitLsn;
        Lsn end;
        try
        {
            // One step for all of the transaction's records: each must fit before the first is appended (an Ops
            // record left ahead of a Commit that could not be appended would be applied with the next commit), and
            // nothing else may land between them.
            var ops = txn.Ops;
            commitLsn = _log.AppendChain(LogRecordType.Commit, (ulong)txn.Version, ops.ChunkCount, ops.ChunkAccessor, capture);
            var last = ops.Chunk(ops.ChunkCount - 1);
            end = new Lsn(commitLsn.File, commitLsn.Offset + (uint)(LogFormat.RecordHeaderSize + last.Length));
        }
        catch
        {
            txn.Writer.RollBack(0);
            RestoreCatalog(txn.Catalog.Version == txn.Version ? FirstCommitted(txn.Catalog) : txn.Catalog);
            EndWrite();
            throw;
        }

        Publish(txn.Version, end, txn.Writer.Released);
        EndWrite();
        return (commitLsn, end);
    }

    internal Lsn CommitBlocking(WriteTransaction txn, Durability durability, List<LogRecord>? capture = null)
    {
        var (commitLsn, end) = CommitCore(txn, capture);
        if (!end.IsZero)
        {
            if (durability != Durability.Buffered || _log.OverBufferLimit)
            {
                _log.Wait(end, durability == Durability.Sync);
            }

            _checkpointScheduler.AfterCommit();
        }

        return commitLsn;
    }

    internal async ValueTask<Lsn> CommitAsync(WriteTransaction txn, Durability durability)
    {
        var (commitLsn, end) = CommitCore(txn);
        if (!end.IsZero)
        {
            if (durability != Durability.Buffered || _log.OverBufferLimit)
            {
                await _log.WaitAsync(end, durability == Durability.Sync).ConfigureAwait(false);
            }

            _checkpointScheduler.AfterCommit();
        }

        return commitLsn;
    }

    private static CatalogVersion FirstCommitted(CatalogVersion catalog)
    {
        var c = catalog;
        while (c.Older != null && c.Version == catalog.Version)
        {
            c = c.Older;
        }

        return c;
    }

    private void Publish(long version, Lsn end, List<object> released)
    {
        if (released.Count > 0)
        {
            _pendingReleases.Add(version, released);
        }

        // Visible first, counted second: a checkpoint that reads the count before its snapshot has every counted commit in it.
        Volatile.Write(ref _commitPoint, new CommitPoint(version, end));
        Interlocked.Increment(ref _commits);
    }

    /// <summary>
    /// Writes a checkpoint: every change up to the latest commit goes to the data file, so recovery starts from
    /// here. Safe to call at any time, from any thread, alongside writers and readers.
    /// </summary>
    public Lsn Checkpoint()
    {
        ThrowIfDisposed();
        var meta = CheckpointCore(Lsn.Zero);
        if (!SuppressCheckpointRecords)
        {
            // No writer lock: the log appends a transaction's records in one step, so this cannot split one, and a
            // checkpoint never waits for an open write transaction.
            var at = _log.Append(LogRecordType.Checkpoint, 0, 0, Lsn.Zero, Checkpointer.EncodeCheckpointRecord(meta));
            _log.Wait(new Lsn(at.File, at.Offset + LogFormat.RecordHeaderSize + 24), durable: false);
        }

        TryEvict();
        return meta.RedoLsn;
    }

    /// <summary>Drops clean leaves from memory until the cache is back under <see cref="StorageOptions.CacheSize"/>.
    /// Eviction needs the slots to hold still, so it runs only when no write transaction is open; a busy writer means
    /// it is skipped this time (the next checkpoint or page load tries again).</summary>
    private void TryEvict()
    {
        if (!_writer.Wait(0))
        {
            return;
        }

        try
        {
            lock (CheckpointGate)
            {
                _evictor.Run(_catalog, Options.CacheSize, OldestReader());
            }
        }
        finally
        {
            _writer.Release();
        }
    }

    private void OnLeafLoaded()
    {
        if (Volatile.Read(ref _store.LoadedSinceEviction) < Options.CacheSize / 4 || Interlocked.CompareExchange(ref _evictionRunning, 1, 0) != 0)
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(
            static env =>
            {
                try
                {
                    if (!env._disposed)
                    {
                        env.TryEvict();
                    }
                }
                catch (ObjectDisposedException)
                {
                }
                finally
                {
                    Volatile.Write(ref env._evictionRunning, 0);
                }
            },
            this,
            preferLocal: false);
    }

    /// <summary>Writes a checkpoint of the latest commit; <paramref name="truncateLogTo"/> records a log rollback in
    /// progress in the meta page so that recovery finishes it.</summary>
    internal MetaPage CheckpointCore(Lsn truncateLogTo)
    {
        lock (CheckpointGate)
        {
            return CheckpointLocked(truncateLogTo);
        }
    }

    /// <summary>Serialises checkpoints (see <see cref="CheckpointLocked"/>); a log rollback holds it from undo to cut
    /// so no checkpoint sees the undone state without the truncate marker.</summary>
    internal object CheckpointGate { get; } = new();

    /// <summary>
    /// Writes the checkpoint; the caller holds <see cref="CheckpointGate"/>. One checkpoint at a time from its snapshot
    /// to its meta page (a background and an explicit one may overlap): a checkpoint of an older snapshot written
    /// after a newer one would take pages the newer one freed for its own and move page holders back, freeing pages
    /// the live tree still uses.
    /// </summary>
    private MetaPage CheckpointLocked(Lsn truncateLogTo)
    {
        ThrowIfWriteFailed();
        var commits = Interlocked.Read(ref _commits);
        using var snapshot = BeginRead();
        _log.Wait(snapshot.SnapshotLsn, durable: true);
        var released = _pendingReleases.TakeUpTo(snapshot.Version);
        MetaPage meta;
        try
        {
            meta = _checkpointer.Run(snapshot, released, OldestReader, _time.GetUtcNow().ToUnixTimeMilliseconds(), truncateLogTo);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.MarkFailed(e, "writing a checkpoint");
            throw new WriteFailedException($"checkpoint failed ({e.Message}); the environment refuses writes until it is reopened", e);
        }

        _checkpointScheduler.Checkpointed(_log.AppendedBytes, commits);
        return meta;
    }

    /// <summary>Makes every commit so far durable (fsync of the log).</summary>
    public void Flush() => _log.FlushAll();

    /// <summary>End of the log: where the next record goes.</summary>
    public Lsn LogEnd => _log.End;

    /// <summary>The start of the log's last record in its present file (Zero when that file has none yet) and the log's
    /// end, read together: a backward read of the newest records starts there.</summary>
    public (Lsn LastRecord, Lsn End) LogTail => _log.Tail;

    /// <summary>Everything before this LSN is durable.</summary>
    public Lsn DurableLsn => _log.Durable;

    /// <summary>Where recovery would start now (the redo LSN of the last durable checkpoint).</summary>
    public Lsn CheckpointLsn => _checkpointer.Meta.RedoLsn;

    /// <summary>A reader over this environment's log (flushes pending records to the OS first so it sees them).</summary>
    public LogReader OpenLogReader()
    {
        _log.Wait(_log.End, durable: false);
        return new LogReader(_fs, Home);
    }

    /// <summary>
    /// Registers a function that says the oldest LSN someone still needs (a lagging replica, a running backup);
    /// archiving keeps every log file from that LSN's file on. Dispose the result to unregister.
    /// </summary>
    public IDisposable AddLogRetention(Func<Lsn> oldestNeeded) => _archive.AddRetention(oldestNeeded);

    /// <summary>
    /// Pins what a hot backup copies (see <see cref="Backup.HotBackup"/>): under the checkpoint gate, the last durable
    /// checkpoint's meta and both meta pages as they are now, a hold on that checkpoint's pages (later checkpoints do
    /// not reuse them) and a log retention from its redo point (archiving keeps those files). Dispose to release.
    /// </summary>
    internal Backup.BackupPin PinForBackup()
    {
        ThrowIfDisposed();
        lock (CheckpointGate)
        {
            return Backup.BackupPin.Take(_checkpointer, _store, _log, _archive);
        }
    }

    /// <summary>Reads raw bytes of the data file (a hot backup's copy of pages a <see cref="PinForBackup"/> holds).</summary>
    internal int ReadDataFile(long offset, Span<byte> buffer) => _store.ReadAt(offset, buffer);

    internal long LogTruncations => _log.Truncations;

    /// <summary>Whether <see cref="Dispose"/> has begun (a hot backup checks it after copying: files read before it are
    /// this environment's; internal init empties the home only after it).</summary>
    internal bool Closed => Volatile.Read(ref _disposed);

    internal IFileSystem FileSystem => _fs;

    /// <summary>Commits so far (since open).</summary>
    internal long Commits => Interlocked.Read(ref _commits);

    /// <summary>Log files that recovery no longer needs and no retention hook holds (oldest first).</summary>
    public IReadOnlyList<string> ArchivableLogFiles() => _archive.ArchivableFiles();

    /// <summary>Removes the archivable log files; returns their names.</summary>
    public IReadOnlyList<string> RemoveArchivableLogFiles() => _archive.RemoveArchivable();

    /// <summary>Statistics; <paramref name="walkTrees"/> also counts entries and nodes of every database (loads them).</summary>
    public StorageStats GetStats(bool walkTrees = true)
    {
        using var read = BeginRead();
        var dbs = new List<DatabaseStats>();
        foreach (var name in read.DatabaseNames())
        {
            var db = read.OpenDatabase(name);
            dbs.Add(walkTrees ? TreeShape.Measure(name, db.Id, db.State.Root, read.Version) : new DatabaseStats(name, db.Id, 0, 0, 0, 0));
        }

        var reads = _store.PageReads;
        return new StorageStats
        {
            PageSize = _store.PageSize,
            PageCount = _store.PageCount,
            FreePages = _checkpointer.FreePages,
            DataFileBytes = (long)_store.PageCount * _store.PageSize,
            Databases = dbs,
            PageReads = reads,
            PageWrites = _store.PageWrites,
            CacheMisses = reads,
            CacheHits = Math.Max(0, _catalog.ByName.Values.Sum(d => d.LeafVisits.Sum()) - reads),
            CacheResidentBytes = _evictor.ResidentBytes,
            CacheEvictions = _evictor.Evictions,
            Version = read.Version,
            LogEnd = _log.End,
            LogDurable = _log.Durable,
            LogBytesWritten = _log.AppendedBytes,
            LogFiles = LogReader.ListFiles(_fs, Home).Count,
            LogWrites = _log.WriteCount,
            FsyncCount = _log.FsyncCount,
            FsyncP50Us = _log.FsyncLatency.Percentile(0.50),
            FsyncP99Us = _log.FsyncLatency.Percentile(0.99),
            FsyncMaxUs = _log.FsyncLatency.MaxMicroseconds,
            Commits = Interlocked.Read(ref _commits),
            Checkpoints = _checkpointer.Count,
            LastCheckpointLsn = _checkpointer.Meta.RedoLsn,
            ActiveReaders = Readers.Count - 1,
            WriteFailed = _log.Failed,
        };
    }

    private void ThrowIfWriteFailed()
    {
        if (_log.Failed)
        {
            throw new WriteFailedException("an earlier write to disk failed; the environment refuses writes until it is reopened");
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>Makes the log durable, checkpoints (so the next open has nothing to redo) and releases the home.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _checkpointScheduler.Dispose();
        SpinWait.SpinUntil(() => !_checkpointScheduler.Running && Volatile.Read(ref _evictionRunning) == 0);
        try
        {
            if (!_log.Failed)
            {
                _log.FlushAll();
                if (_checkpointScheduler.CommittedSinceCheckpoint(Commits))
                {
                    Checkpoint();
                }
            }
        }
        catch (StorageException)
        {
            // Closing after a failed write: what is durable is what recovery will find.
        }
        finally
        {
            _disposed = true;
            _log.Dispose();
            _store.Dispose();
            _lock.Dispose();
            _writer.Dispose();
        }
    }
}
