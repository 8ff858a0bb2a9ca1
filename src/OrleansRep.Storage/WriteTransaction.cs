using System.Text;
using OrleansRep.Storage.Log;
using OrleansRep.Storage.Tree;
using OrleansRep.Storage.Txn;

namespace OrleansRep.Storage;

/// <summary>
/// The one write transaction of an environment (writers queue for it). Reads see its own writes. Commit logs its
/// operations (with before-images, so the log can be rolled back) and publishes them to readers at once; the
/// durability decides what the commit waits for. Abort, or Dispose without commit, puts everything back.
/// <see cref="BeginNested"/> opens a nested batch that commits into this one or aborts alone.
/// </summary>
public sealed class WriteTransaction : ReadTransaction
{
    private readonly WriteTransaction? _parent;
    private readonly (int Length, int Ops, int Cuts) _opsMark;
    private readonly int _undoMark;
    private readonly int _releasedMark;
    private readonly CatalogVersion _catalogAtStart;
    private readonly int _outerScope;
    private bool _childActive;

    internal WriteTransaction(StorageEnvironment env, CommitPoint point, CatalogVersion catalog, TreeWriter writer, TxnOpBuffer ops)
        : base(env, point, catalog, registered: false)
    {
        Writer = writer;
        Ops = ops;
        _catalogAtStart = catalog;
    }

    private WriteTransaction(WriteTransaction parent)
        : base(parent.Env, parent.Point, parent.Catalog, registered: false)
    {
        _parent = parent;
        Writer = parent.Writer;
        Ops = parent.Ops;
        _opsMark = Ops.Mark;
        _undoMark = Writer.UndoMark;
        _releasedMark = Writer.Released.Count;
        _catalogAtStart = parent.Catalog;
        _outerScope = Writer.Scope;
        Writer.Scope = parent.Env.NextScope();
    }

    internal TreeWriter Writer { get; }

    internal TxnOpBuffer Ops { get; }

    /// <summary>The version this transaction will commit as.</summary>
    public override long Version => Writer.Version;

    public bool IsNested => _parent != null;

    /// <summary>Opens a database, creating it (as part of this transaction) when <paramref name="create"/> is set.</summary>
    public Database OpenDatabase(string name, bool create)
    {
        ThrowIfUnusable();
        if (TryOpenDatabase(name, out var existing) || !create)
        {
            return existing ?? throw new DatabaseNotFoundException(name);
        }

        ValidateName(name);
        var state = new DatabaseState(Catalog.NextId, name, null);
        SetCatalog(new CatalogVersion(Version, Catalog.ByName.Values.Append(state), Catalog.NextId + 1, Catalog));
        Ops.Add(TxnOpKind.CreateDatabase, state.Id, Encoding.UTF8.GetBytes(name), default, false, default);
        return new Database(state);
    }

    /// <summary>Drops a database and everything in it. Returns false when there was none.</summary>
    public bool DropDatabase(string name)
    {
        ThrowIfUnusable();
        if (!Catalog.ByName.TryGetValue(name, out var state))
        {
            return false;
        }

        Writer.ReleaseTree(state.Root);
        SetCatalog(new CatalogVersion(Version, Catalog.ByName.Values.Where(d => d != state), Catalog.NextId, Catalog));
        Ops.Add(TxnOpKind.DropDatabase, state.Id, Encoding.UTF8.GetBytes(name), default, false, default);
        return true;
    }

    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/>. Over a size limit: a typed error and no change.</summary>
    public void Put(Database database, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        ThrowIfUnusable();
        var state = Check(database);
        Env.CheckSizes(key.Length, value.Length);
        var old = Writer.Put(state, key.ToArray(), value.ToArray());
        Ops.Add(TxnOpKind.Put, state.Id, key, old, old != null, value);
    }

    /// <summary>Deletes a key; false when it was absent.</summary>
    public bool Delete(Database database, ReadOnlySpan<byte> key)
    {
        ThrowIfUnusable();
        var state = Check(database);
        var old = Writer.Delete(state, key);
        if (old == null)
        {
            return false;
        }

        Ops.Add(TxnOpKind.Delete, state.Id, key, old, true, default);
        return true;
    }

    /// <summary>
    /// Replaces <paramref name="length"/> bytes at <paramref name="offset"/> of the value with <paramref name="data"/>
    /// (Berkeley DB's DB_DBT_PARTIAL put): the value grows or shrinks by the difference; a missing key, or an offset
    /// past the end, is padded with zero bytes.
    /// </summary>
    public void PutPartial(Database database, ReadOnlySpan<byte> key, int offset, int length, ReadOnlySpan<byte> data)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ThrowIfUnusable();
        var current = TryGet(database, key, out var v) ? v.Span : [];
        var keep = Math.Max(0, current.Length - offset - length);
        var newLength = (long)offset + data.Length + keep;
        Env.CheckSizes(key.Length, newLength);
        var result = new byte[newLength];
        current[..Math.Min(offset, current.Length)].CopyTo(result);
        data.CopyTo(result.AsSpan(offset));
        if (keep > 0)
        {
            current[(offset + length)..].CopyTo(result.AsSpan(offset + data.Length));
        }

        Put(database, key, result);
    }

    /// <summary>Opens a nested batch; this transaction cannot be used until the batch commits or aborts.</summary>
    public WriteTransaction BeginNested()
    {
        ThrowIfUnusable();
        _childActive = true;
        return new WriteTransaction(this);
    }

    /// <summary>
    /// Commits. A nested batch folds into its parent. A top-level commit logs the operations, makes them visible,
    /// lets the next writer in, then waits for <paramref name="durability"/> (the environment's default when null).
    /// Returns the LSN of the commit record (Lsn.Zero for a transaction that changed nothing).
    /// </summary>
    public Lsn Commit(Durability? durability = null) =>
        EndAsNested() ? Lsn.Zero : Env.CommitBlocking(this, durability ?? Env.Options.DefaultDurability);

    /// <summary>
    /// <see cref="Commit"/>, also adding to <paramref name="records"/> the log records it wrote, as stored (what a
    /// replication master ships; no read of the log back, which would write the log buffer out first). A nested batch
    /// writes none (its parent's commit does).
    /// </summary>
    public Lsn Commit(Durability durability, List<LogRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        return EndAsNested() ? Lsn.Zero : Env.CommitBlocking(this, durability, records);
    }

    /// <summary>
    /// <see cref="Commit"/> without blocking. <paramref name="cancellationToken"/> is checked before the commit starts
    /// (the transaction then stays open, to abort or retry); a commit under way completes, since it is visible to
    /// readers at once and on its way to the log.
    /// </summary>
    public ValueTask<Lsn> CommitAsync(Durability? durability = null, CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable();
        cancellationToken.ThrowIfCancellationRequested();
        return EndAsNested() ? ValueTask.FromResult(Lsn.Zero) : Env.CommitAsync(this, durability ?? Env.Options.DefaultDurability);
    }

    /// <summary>Ends this transaction for commit; true when it was a nested batch (folded into its parent).</summary>
    private bool EndAsNested()
    {
        ThrowIfUnusable();
        MarkDone();
        if (_parent == null)
        {
            return false;
        }

        _parent.Catalog = Catalog;
        _parent._childActive = false;
        Writer.Scope = _outerScope;
        return true;
    }

    /// <summary>Undoes every change (of this batch only, when nested).</summary>
    public void Abort()
    {
        if (IsDone)
        {
            return;
        }

        if (_childActive)
        {
            throw new TransactionStateException("a nested batch of this transaction is still open");
        }

        MarkDone();
        Writer.RollBack(_undoMark);
        Writer.Released.RemoveRange(_releasedMark, Writer.Released.Count - _releasedMark);
        Ops.RollBack(_opsMark);
        if (_parent != null)
        {
            _parent.Catalog = _catalogAtStart;
            Env.RestoreCatalog(_catalogAtStart);
            _parent._childActive = false;
            Writer.Scope = _outerScope;
            return;
        }

        Env.RestoreCatalog(_catalogAtStart);
        Env.EndWrite();
    }

    protected override void Dispose(bool disposing)
    {
        if (!IsDone)
        {
            Abort();
        }

        base.Dispose(disposing);
    }

    internal bool HasOps => Ops.OpCount > 0;

    private void SetCatalog(CatalogVersion catalog)
    {
        Catalog = catalog;
        Env.InstallCatalog(catalog);
    }

    private void ThrowIfUnusable()
    {
        ThrowIfDone();
        if (_childActive)
        {
            throw new TransactionStateException("a nested batch of this transaction is still open");
        }
    }

    private static void ValidateName(string name)
    {
        if (name.Length == 0 || Encoding.UTF8.GetByteCount(name) > 255 || name.Any(char.IsControl))
        {
            throw new ArgumentException($"database name '{name}' must be 1-255 UTF-8 bytes without control characters", nameof(name));
        }
    }
}
