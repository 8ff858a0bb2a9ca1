using OrleansRep.Storage.IO;
using OrleansRep.Storage.Log;
using OrleansRep.Storage.Tree;

namespace OrleansRep.Storage.Txn;

/// <summary>
/// Opening an environment: read the newer sound meta page, load the catalog and free list of that checkpoint, then
/// redo every committed transaction in the log from the checkpoint's redo LSN. A torn record at the tail of the
/// last log file (a crash mid-write) is cut; damage anywhere else stops the open with a <see cref="CorruptionException"/>.
/// </summary>
internal static class Recovery
{
    internal sealed record Result(
        LogWriter Log,
        Checkpointer Checkpointer,
        CatalogVersion Catalog,
        long Version,
        Lsn LogEnd,
        List<(long Version, List<object> Items)> Released,
        RecoveryReport Report);

    public static (PageStore Store, Result Result) Run(IFileSystem fs, string home, StorageOptions options)
    {
        if (InitMarker.TryRead(fs, home) is { } initAt)
        {
            // An internal init began here and did not finish (or is beginning now): whatever it loaded is not to be
            // trusted, so start it over from an empty environment whose log restarts at the init's first LSN.
            InitMarker.Reset(fs, home, options, initAt);
        }

        var dataPath = Path.Combine(home, PageStore.FileName);
        var created = !fs.Exists(dataPath);
        var file = fs.Open(dataPath, create: true);
        PageStore? store = null;
        try
        {
            MetaPage? meta = null;
            string? fallback = null;
            if (!created && file.Length > 0)
            {
                try
                {
                    (store, meta, fallback) = ReadMeta(file, dataPath);
                }
                catch (CorruptionException) when (LogReader.ListFiles(fs, home).Count == 0)
                {
                    // A crash while the environment was being created, before its first meta page was durable, leaves
                    // a data file with no sound meta page. Nothing was committed: every commit (creating a database
                    // too) writes a log file, and the current log file is never archived. Start afresh.
                }
            }

            if (meta == null || store == null)
            {
                created = true;
                store = new PageStore(file, options.PageSize);
                meta = new MetaPage(0, Lsn.Zero, 0, 2, 0, 0, 0, 0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0, options.PageSize);
                store.WriteMeta(meta);
                store.Sync();
                fs.SyncDirectory(home);
            }

            store.PageCount = meta.PageCount;
            var (catalog, metaPages) = LoadCatalog(store, meta);
            var free = LoadFreeList(store, meta, metaPages);
            var checkpointer = new Checkpointer(store, meta, free, metaPages);
            var result = Redo(fs, home, options, store, meta, catalog, checkpointer, created, fallback);
            return (store, result);
        }
        catch
        {
            if (store != null)
            {
                store.Dispose();
            }
            else
            {
                file.Dispose();
            }

            throw;
        }
    }

    private static (PageStore, MetaPage, string?) ReadMeta(IStorageFile file, string path)
    {
        // The page size is in the meta body; read it from page 0 tentatively, then check both metas properly.
        Span<byte> head = stackalloc byte[PageLayout.HeaderSize + 16];
        file.Read(0, head);
        var pageSize = BitConverter.ToInt32(head[(PageLayout.HeaderSize + 12)..]);
        var candidates = pageSize is >= 4096 and <= 65536 && (pageSize & (pageSize - 1)) == 0
            ? new[] { pageSize }
            : new[] { 4096, 8192, 16384, 32768, 65536 };
        foreach (var size in candidates)
        {
            var store = new PageStore(file, size);
            var (m0, p0) = store.ReadMeta(0);
            var (m1, p1) = store.ReadMeta(1);
            var best = m0 == null ? m1 : m1 == null ? m0 : m0.Sequence >= m1.Sequence ? m0 : m1;
            if (best != null && best.PageSize == size)
            {
                string? fallback = null;
                var other = best == m0 ? (m1, p1, 1) : (m0, p0, 0);
                if (other.Item1 == null && best.Sequence > 0 && other.Item2 != "missing")
                {
                    fallback = $"meta page {other.Item3} unusable ({other.Item2}); using checkpoint {best.Sequence} from page {best.Slot}";
                }

                return (store, best, fallback);
            }
        }

        throw new CorruptionException(path, 0, "neither meta page (0 or 1) is sound");
    }

    private static (CatalogVersion, List<ulong>) LoadCatalog(PageStore store, MetaPage meta)
    {
        var metaPages = new List<ulong>();
        if (meta.CatalogPage == 0)
        {
            return (new CatalogVersion(0, [], 1, null), metaPages);
        }

        var (bytes, pages) = store.ReadChain(meta.CatalogPage, meta.CatalogBytes);
        metaPages.AddRange(pages);
        try
        {
            var (nextId, roots) = Checkpointer.DecodeCatalog(bytes);
            var states = roots.Select(r => new DatabaseState(
                r.Id,
                r.Name,
                r.Page == 0 ? null : r.Level == 0 ? LeafNode.Unloaded(store, r.Page) : BranchNode.Unloaded(store, r.Page, r.Level)));
            return (new CatalogVersion(0, states, nextId, null), metaPages);
        }
        catch (EndOfStreamException)
        {
            throw new CorruptionException(store.Path, (long)meta.CatalogPage * store.PageSize, "catalog is truncated");
        }
    }

    private static List<ulong> LoadFreeList(PageStore store, MetaPage meta, List<ulong> metaPages)
    {
        var free = new List<ulong>();
        if (meta.FreeListPage == 0)
        {
            return free;
        }

        var (bytes, pages) = store.ReadChain(meta.FreeListPage, meta.FreeListBytes);
        metaPages.AddRange(pages);
        for (var i = 0; i + 8 <= bytes.Length; i += 8)
        {
            free.Add(BitConverter.ToUInt64(bytes, i));
        }

        free.Reverse();
        return free;
    }

    private static Result Redo(IFileSystem fs, string home, StorageOptions options, PageStore store, MetaPage meta, CatalogVersion catalog, Checkpointer checkpointer, bool created, string? fallback)
    {
        var files = LogReader.ListFiles(fs, home).ToList();
        DropEmptyLastFile(fs, home, files);
        var released = new List<(long, List<object>)>();
        var version = meta.Version;
        if (files.Count == 0)
        {
            if (!meta.RedoLsn.IsZero && meta.RedoLsn.Offset > LogFormat.FileHeaderSize)
            {
                throw new CorruptionException(Path.Combine(home, LogFormat.FileName(meta.RedoLsn.File)), 0, $"log files are missing; recovery needs the log from {meta.RedoLsn}");
            }

            var fresh = new LogWriter(fs, home, options.LogFileSize, options.LogBufferSize, meta.RedoLsn, 0, options.PrepareLogFilesAhead);
            return new Result(fresh, checkpointer, catalog, version, fresh.End, released,
                new RecoveryReport(created, meta.RedoLsn, fresh.End, 0, 0, Lsn.Zero, 0, null, fallback));
        }

        // No checkpoint yet: replay the whole log, which begins in file 1 (a fresh log writer starts there and nothing
        // archives files before the first checkpoint). Starting at whatever file is oldest would skip a lost file 1.
        var start = meta.RedoLsn.IsZero ? new Lsn(1, LogFormat.FileHeaderSize) : meta.RedoLsn;
        if (start.File < files[0] || !files.Contains(start.File))
        {
            throw new CorruptionException(Path.Combine(home, LogFormat.FileName(start.File)), start.Offset, $"log file needed for recovery from {start} is missing");
        }

        for (var i = files.IndexOf(start.File) + 1; i < files.Count; i++)
        {
            if (files[i] != files[i - 1] + 1)
            {
                throw new CorruptionException(Path.Combine(home, LogFormat.FileName(files[i - 1] + 1)), 0, "a log file in the middle of the log is missing");
            }
        }

        if (!meta.TruncateLogTo.IsZero)
        {
            FinishTruncation(fs, home, meta.TruncateLogTo, files);
        }

        var lastFile = files[^1];
        using var reader = new LogReader(fs, home);
        var pos = start;
        var lastLength = 0;
        if (start.Offset > reader.StartOf(start.File))
        {
            lastLength = LengthOfRecordBefore(reader, start, home);
        }

        var pending = new List<TxnOp>();
        var pendingLast = Lsn.Zero;
        var records = 0;
        var commits = 0;
        Lsn tornAt = Lsn.Zero;
        string? tornReason = null;
        long tornBytes = 0;

        // Ops records of the transaction whose Commit has not been read yet: where they start, the length of the
        // record before them (the log writer's prev-length if they are cut), how many bytes, which transaction.
        var uncommittedAt = Lsn.Zero;
        var uncommittedLastLength = 0;
        long uncommittedBytes = 0;
        ulong uncommittedTxn = 0;
        while (true)
        {
            var (status, record, detail) = reader.TryRead(pos);
            if (status == LogReadStatus.Record)
            {
                records++;
                switch (record!.Type)
                {
                    case LogRecordType.Ops:
                        FollowChain(record, pending, pendingLast, home);
                        pending.AddRange(Decode(record, home));
                        if (uncommittedAt.IsZero || record.PrevLsn.IsZero)
                        {
                            // A new chain starts: an abandoned one before it is dropped by FollowChain, not cut.
                            (uncommittedAt, uncommittedLastLength, uncommittedTxn, uncommittedBytes) = (record.Lsn, lastLength, record.TxnId, 0);
                        }

                        uncommittedBytes += record.Length;
                        pendingLast = record.Lsn;
                        break;
                    case LogRecordType.Commit:
                        FollowChain(record, pending, pendingLast, home);
                        pending.AddRange(Decode(record, home));
                        (uncommittedAt, uncommittedBytes) = (Lsn.Zero, 0);
                        version++;
                        var writer = new TreeWriter(version, store.Layout, () => long.MaxValue);
                        catalog = Apply(writer, pending, catalog, record, home);
                        if (writer.Released.Count > 0)
                        {
                            released.Add((version, writer.Released));
                        }

                        pending.Clear();
                        pendingLast = Lsn.Zero;
                        commits++;
                        break;
                }

                lastLength = record.Length;
                pos = record.End;
                continue;
            }

            if (status == LogReadStatus.End && pos.File < lastFile)
            {
                pos = new Lsn(pos.File + 1, LogFormat.FileHeaderSize);
                lastLength = 0;
                continue;
            }

            if (status == LogReadStatus.End)
            {
                break;
            }

            if (status == LogReadStatus.Torn && pos.File == lastFile)
            {
                tornAt = pos;
                tornReason = detail;
                using var f = fs.Open(Path.Combine(home, LogFormat.FileName(pos.File)), create: false);
                tornBytes = f.Length - pos.Offset;
                break;
            }

            throw new CorruptionException(Path.Combine(home, LogFormat.FileName(pos.File)), pos.Offset, detail ?? status.ToString());
        }

        var log = new LogWriter(fs, home, options.LogFileSize, options.LogBufferSize, pos, lastLength, options.PrepareLogFilesAhead);
        if (!uncommittedAt.IsZero)
        {
            // A crash between a large transaction's Ops records and its Commit: it never committed. Cut its records
            // with the torn tail, if any. Left in place, the next commit would be appended after them and the next
            // recovery would apply them together with it (redo gathers every Ops record up to a Commit).
            tornBytes += uncommittedBytes;
            tornReason = $"Ops records of transaction {uncommittedTxn} without a Commit (a crash during a large commit)" +
                (tornReason == null ? "" : $", then {tornReason}");
            (tornAt, pos, lastLength) = (uncommittedAt, uncommittedAt, uncommittedLastLength);
        }

        if (!tornAt.IsZero)
        {
            // Truncate also deletes the files after pos (the uncommitted records may span files).
            log.Truncate(pos, lastLength);
        }

        // Commits after a checkpoint are re-based at version 0 of the loaded catalog: give the catalog the version too.
        return new Result(log, checkpointer, catalog, version, pos, released,
            new RecoveryReport(created, start, pos, records, commits, tornAt, tornBytes, tornReason, fallback));
    }

    /// <summary>
    /// The last checkpoint was taken for a rollback of the log to <paramref name="to"/>; if the crash came before the
    /// log was cut, cut it now (later files deleted, the rest of the file zeroed), or redo would replay the tail that
    /// was rolled back.
    /// </summary>
    private static void FinishTruncation(IFileSystem fs, string home, Lsn to, List<uint> files)
    {
        for (var i = files.Count - 1; i >= 0 && files[i] > to.File; i--)
        {
            fs.Delete(Path.Combine(home, LogFormat.FileName(files[i])));
            files.RemoveAt(i);
        }

        fs.SyncDirectory(home);
        var path = Path.Combine(home, LogFormat.FileName(to.File));
        if (!fs.Exists(path))
        {
            return;
        }

        using var f = fs.Open(path, create: false);
        var zeros = new byte[1 << 20];
        for (long pos = to.Offset; pos < f.Length; pos += zeros.Length)
        {
            f.Write(pos, zeros.AsSpan(0, (int)Math.Min(zeros.Length, f.Length - pos)));
        }

        f.Flush();
    }

    /// <summary>
    /// A transaction's records are chained by their previous LSN; its first record has none. Ops gathered from a
    /// transaction that never committed (a crash took its commit record but not its earlier Ops records, which moving
    /// to a new log file had fsynced) are dropped when the next transaction starts, not applied with its commit. A
    /// record that continues from anything but the records gathered so far means damage.
    /// </summary>
    private static void FollowChain(LogRecord record, List<TxnOp> pending, Lsn pendingLast, string home)
    {
        if (record.PrevLsn.IsZero)
        {
            pending.Clear();
        }
        else if (record.PrevLsn != pendingLast)
        {
            throw new CorruptionException(Path.Combine(home, LogFormat.FileName(record.Lsn.File)), record.Lsn.Offset,
                $"transaction {record.TxnId} continues from {record.PrevLsn}, but the records before it end with {pendingLast}");
        }
    }

    /// <summary>
    /// Length of the record that ends at the redo point <paramref name="end"/> (the first record written after recovery
    /// needs it). What lies at <paramref name="end"/> may be torn, which the redo loop cuts, so only a sound record there
    /// is asked for its previous length; otherwise the records of the file are walked up to it.
    /// </summary>
    private static int LengthOfRecordBefore(LogReader reader, Lsn end, string home)
    {
        var (status, at, _) = reader.TryRead(end);
        if (status == LogReadStatus.Record)
        {
            return LogFormat.PrevLength(at!.Frame);
        }

        var pos = new Lsn(end.File, reader.StartOf(end.File));
        var length = 0;
        while (pos < end)
        {
            var (s, record, detail) = reader.TryRead(pos);
            if (s != LogReadStatus.Record)
            {
                throw new CorruptionException(Path.Combine(home, LogFormat.FileName(pos.File)), pos.Offset, $"{detail ?? s.ToString()} in the log before the redo point {end}");
            }

            length = record!.Length;
            pos = record.End;
        }

        return pos == end
            ? length
            : throw new CorruptionException(Path.Combine(home, LogFormat.FileName(end.File)), end.Offset, $"the redo point {end} is not at a record boundary");
    }

    /// <summary>A crash while creating a log file can leave it with no header; an all-zero last file holds nothing.</summary>
    private static void DropEmptyLastFile(IFileSystem fs, string home, List<uint> files)
    {
        if (files.Count == 0)
        {
            return;
        }

        var path = Path.Combine(home, LogFormat.FileName(files[^1]));
        using (var f = fs.Open(path, create: false))
        {
            var head = new byte[Math.Min(f.Length, 1 << 16)];
            var n = f.Read(0, head);
            if (!LogReader.AllZero(head.AsSpan(0, n)))
            {
                return;
            }
        }

        fs.Delete(path);
        files.RemoveAt(files.Count - 1);
    }

    private static List<TxnOp> Decode(LogRecord record, string home)
    {
        try
        {
            return TxnOp.DecodeAll(record.Payload);
        }
        catch (FormatException e)
        {
            throw new CorruptionException(Path.Combine(home, LogFormat.FileName(record.Lsn.File)), record.Lsn.Offset, e.Message);
        }
    }

    /// <summary>Redoes one committed transaction's operations (also how a replication client applies the log).</summary>
    public static CatalogVersion Apply(TreeWriter writer, List<TxnOp> ops, CatalogVersion catalog, LogRecord commit, string home)
    {
        foreach (var op in ops)
        {
            switch (op.Kind)
            {
                case TxnOpKind.CreateDatabase:
                {
                    var state = new DatabaseState(op.DatabaseId, op.DatabaseName, null);
                    catalog = new CatalogVersion(writer.Version, catalog.ByName.Values.Where(d => d.Name != state.Name).Append(state), Math.Max(catalog.NextId, op.DatabaseId + 1), catalog);
                    break;
                }

                case TxnOpKind.DropDatabase:
                {
                    if (catalog.ById.TryGetValue(op.DatabaseId, out var state))
                    {
                        writer.ReleaseTree(state.Root);
                        catalog = new CatalogVersion(writer.Version, catalog.ByName.Values.Where(d => d != state), catalog.NextId, catalog);
                    }

                    break;
                }

                default:
                {
                    if (!catalog.ById.TryGetValue(op.DatabaseId, out var state))
                    {
                        throw new CorruptionException(Path.Combine(home, LogFormat.FileName(commit.Lsn.File)), commit.Lsn.Offset, $"transaction {commit.TxnId} writes to unknown database #{op.DatabaseId}");
                    }

                    if (op.Kind == TxnOpKind.Put)
                    {
                        writer.Put(state, op.Key.ToArray(), op.NewValue.ToArray());
                    }
                    else
                    {
                        writer.Delete(state, op.Key.Span);
                    }

                    break;
                }
            }
        }

        return catalog;
    }
}
