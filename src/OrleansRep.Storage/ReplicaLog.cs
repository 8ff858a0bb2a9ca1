using OrleansRep.Storage.Log;
using OrleansRep.Storage.Txn;

namespace OrleansRep.Storage;

/// <summary>
/// What replication needs from the engine on a client site: append records received from the master at their
/// original LSNs (applying each transaction when its commit record arrives, exactly as recovery redoes it), wait for
/// them to be durable before acknowledging, and roll back a tail of the log that diverged from a new master.
/// </summary>
public sealed class ReplicaLog
{
    private readonly StorageEnvironment _env;
    private readonly List<TxnOp> _pending = [];
    private readonly Snapshot.SnapshotLoader _loader;

    internal ReplicaLog(StorageEnvironment env)
    {
        _env = env;
        _loader = new Snapshot.SnapshotLoader(env);
    }

    /// <summary>
    /// Internal init: loads one chunk of a master's snapshot (<see cref="StorageEnvironment.CreateSnapshot"/>) into
    /// this environment, which <see cref="StorageEnvironment.OpenForInit"/> emptied. Chunks load in any order; one
    /// loaded twice changes nothing. A damaged or conflicting chunk throws <see cref="SnapshotChunkException"/> and
    /// loads nothing; without an init under way, <see cref="InitNotUnderWayException"/>.
    /// </summary>
    public void LoadSnapshotChunk(ReadOnlyMemory<byte> chunk) => _loader.Load(chunk);

    /// <summary>
    /// Internal init: every chunk and the log the init needs are in. Makes the log and the loaded data durable (a
    /// checkpoint), then removes the init marker: from here on the environment opens as any other.
    /// </summary>
    public void FinishInit() => _loader.Finish();

    /// <summary>Where the next record must go.</summary>
    public Lsn End => _env.LogEnd;

    /// <summary>
    /// Appends one record at <paramref name="lsn"/> (the end of this log, or the start of the next file). A bad frame
    /// or a payload that does not decode is rejected before anything is written.
    /// </summary>
    public void Append(Lsn lsn, ReadOnlySpan<byte> frame)
    {
        if (frame.Length < LogFormat.RecordHeaderSize || LogFormat.RecordLength(frame) != frame.Length || !LogFormat.RecordChecksumMatches(frame))
        {
            throw new CorruptionException("(replicated record)", lsn.Offset, $"record for {lsn} has a bad length or checksum");
        }

        var record = new LogRecord(lsn, frame.ToArray());
        List<TxnOp> ops = [];
        if (record.Type is LogRecordType.Ops or LogRecordType.Commit)
        {
            try
            {
                ops = TxnOp.DecodeAll(record.Payload);
            }
            catch (FormatException e)
            {
                throw new CorruptionException("(replicated record)", lsn.Offset, $"record for {lsn}: {e.Message}");
            }
        }

        _env.EnterWriter();
        try
        {
            if (record.Type == LogRecordType.Commit)
            {
                CheckDatabases(_pending.Concat(ops), lsn);
            }

            _env.Log.AppendFrame(lsn, frame);
            _pending.AddRange(ops);
            if (record.Type == LogRecordType.Commit)
            {
                var version = _env.LastCommit.Version + 1;
                var writer = _env.ResetTreeWriter(version);
                var catalog = Recovery.Apply(writer, _pending, _env.CurrentCatalog, record, _env.Home);
                _env.InstallCatalog(catalog);
                _env.PublishApplied(version, record.End, writer.Released);
                _pending.Clear();
            }
        }
        finally
        {
            _env.EndWrite();
        }
    }

    /// <summary>Completes when the log is durable up to <paramref name="end"/> (a client acknowledges permanent records then).</summary>
    public ValueTask WaitDurableAsync(Lsn end) => _env.Log.WaitAsync(end, durable: true);

    /// <summary>
    /// Rolls the log back to <paramref name="to"/> (a record boundary): every transaction committed after it is undone
    /// from its before-images and reported. Crash-safe: the undone state is checkpointed with a marker that makes
    /// recovery finish cutting the log if a crash comes before the log is cut, and checkpointed again without it once
    /// the cut is durable.
    /// </summary>
    public IReadOnlyList<RolledBackTransaction> RollBack(Lsn to)
    {
        _env.EnterWriter();
        Monitor.Enter(_env.CheckpointGate);
        try
        {
            var end = _env.LogEnd;
            if (to >= end)
            {
                return [];
            }

            var (txns, lastLength) = ReadTail(to);
            if (txns.Any(t => t.Ops.Any(o => o.Kind == TxnOpKind.DropDatabase)))
            {
                throw new LogPositionException($"cannot roll back to {to}: a database drop after it cannot be undone (a full re-initialisation is needed)");
            }

            var version = _env.LastCommit.Version + 1;
            var writer = _env.ResetTreeWriter(version);
            var catalog = _env.CurrentCatalog;
            for (var t = txns.Count - 1; t >= 0; t--)
            {
                catalog = Undo(writer, txns[t], catalog);
            }

            _env.InstallCatalog(catalog);
            _env.PublishApplied(version, to, writer.Released);
            _pending.Clear();
            _env.CheckpointCore(truncateLogTo: to);
            _env.Log.Truncate(to, lastLength);
            // The cut is durable now: clear the marker, or the next recovery would cut the log back to it again and
            // take with it every record appended (and acknowledged) after this rollback.
            _env.CheckpointCore(truncateLogTo: default);
            return txns.Select(t => new RolledBackTransaction(t.TxnId, t.CommitLsn, t.Ops.Count)).ToList();
        }
        finally
        {
            Monitor.Exit(_env.CheckpointGate);
            _env.EndWrite();
        }
    }

    private (List<(ulong TxnId, Lsn CommitLsn, List<TxnOp> Ops)> Txns, int LastLength) ReadTail(Lsn to)
    {
        using var reader = _env.OpenLogReader();
        var first = reader.ReadAt(to) ?? (reader.ReadFrom(to) is { } next && next.Lsn == new Lsn(to.File + 1, LogFormat.FileHeaderSize) ? next : null);
        // No record from `to` on: only the end of the last record qualifies (a crash may leave an empty next file).
        if (first == null && to != _env.LogEnd && reader.Prev(_env.LogEnd)?.End != to)
        {
            throw new LogPositionException($"{to} is not the start of a record in this log");
        }

        var txns = new List<(ulong, Lsn, List<TxnOp>)>();
        var ops = new List<TxnOp>();
        for (var r = first; r != null; r = reader.Next(r))
        {
            if (r.Type is LogRecordType.Ops or LogRecordType.Commit)
            {
                ops.AddRange(TxnOp.DecodeAll(r.Payload));
            }

            if (r.Type == LogRecordType.Commit)
            {
                txns.Add((r.TxnId, r.Lsn, ops));
                ops = [];
            }
        }

        var lastLength = to.Offset > LogFormat.FileHeaderSize ? reader.Prev(to)?.Length ?? 0 : 0;
        return (txns, lastLength);
    }

    private static Tree.CatalogVersion Undo(Tree.TreeWriter writer, (ulong TxnId, Lsn CommitLsn, List<TxnOp> Ops) txn, Tree.CatalogVersion catalog)
    {
        for (var i = txn.Ops.Count - 1; i >= 0; i--)
        {
            var op = txn.Ops[i];
            if (op.Kind == TxnOpKind.CreateDatabase)
            {
                if (catalog.ById.TryGetValue(op.DatabaseId, out var created))
                {
                    writer.ReleaseTree(created.Root);
                    catalog = new Tree.CatalogVersion(writer.Version, catalog.ByName.Values.Where(d => d != created), catalog.NextId, catalog);
                }

                continue;
            }

            var db = catalog.ById[op.DatabaseId];
            if (op.OldValue is { } old)
            {
                writer.Put(db, op.Key.ToArray(), old.ToArray());
            }
            else
            {
                writer.Delete(db, op.Key.Span);
            }
        }

        return catalog;
    }

    private void CheckDatabases(IEnumerable<TxnOp> ops, Lsn lsn)
    {
        var known = _env.CurrentCatalog.ById.Keys.ToHashSet();
        foreach (var op in ops)
        {
            if (op.Kind == TxnOpKind.CreateDatabase)
            {
                known.Add(op.DatabaseId);
            }
            else if (op.Kind == TxnOpKind.DropDatabase)
            {
                known.Remove(op.DatabaseId);
            }
            else if (!known.Contains(op.DatabaseId))
            {
                throw new CorruptionException("(replicated record)", lsn.Offset, $"transaction at {lsn} writes to unknown database #{op.DatabaseId}");
            }
        }
    }
}
