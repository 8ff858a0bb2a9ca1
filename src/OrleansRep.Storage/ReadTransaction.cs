using OrleansRep.Storage.Tree;
using OrleansRep.Storage.Txn;

namespace OrleansRep.Storage;

/// <summary>
/// A consistent snapshot of every database as of one commit. Never blocks and is never blocked by the writer.
/// Dispose it when done: while it lives, older versions of changed pages stay in memory for it.
/// </summary>
public class ReadTransaction : IDisposable
{
    private bool _done;

    internal ReadTransaction(StorageEnvironment env, CommitPoint point, CatalogVersion catalog, bool registered)
    {
        Env = env;
        Point = point;
        Catalog = catalog;
        Registered = registered;
    }

    internal StorageEnvironment Env { get; }

    internal CommitPoint Point { get; }

    internal CatalogVersion Catalog { get; set; }

    internal bool Registered { get; }

    /// <summary>The snapshot version reads see (for a write transaction: its own, uncommitted version).</summary>
    public virtual long Version => Point.Version;

    /// <summary>End of the log at the snapshot's commit.</summary>
    public Lsn SnapshotLsn => Point.End;

    public IReadOnlyList<string> DatabaseNames() => Catalog.ByName.Keys.Order(StringComparer.Ordinal).ToList();

    public bool TryOpenDatabase(string name, out Database database)
    {
        ThrowIfDone();
        if (Catalog.ByName.TryGetValue(name, out var state))
        {
            database = new Database(state);
            return true;
        }

        database = null!;
        return false;
    }

    /// <summary>Opens an existing database; <see cref="DatabaseNotFoundException"/> when there is none of that name.</summary>
    public Database OpenDatabase(string name) =>
        TryOpenDatabase(name, out var db) ? db : throw new DatabaseNotFoundException(name);

    /// <summary>Looks a key up. The value memory is immutable and stays valid after the transaction ends.</summary>
    public bool TryGet(Database database, ReadOnlySpan<byte> key, out ReadOnlyMemory<byte> value)
    {
        ThrowIfDone();
        var state = Check(database);
        var found = TreeReader.TryGet(state, key, Version, out var bytes, out _);
        value = bytes;
        return found;
    }

    /// <summary>A copy of the value, or null when the key is absent.</summary>
    public byte[]? Get(Database database, ReadOnlySpan<byte> key) => TryGet(database, key, out var v) ? v.ToArray() : null;

    /// <summary>Up to <paramref name="length"/> bytes of the value from <paramref name="offset"/> (Berkeley DB's
    /// DB_DBT_PARTIAL get): fewer at the end of the value, empty past it; null when the key is absent.</summary>
    public byte[]? GetPartial(Database database, ReadOnlySpan<byte> key, int offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (!TryGet(database, key, out var v))
        {
            return null;
        }

        if (offset >= v.Length)
        {
            return [];
        }

        return v.Slice(offset, Math.Min(length, v.Length - offset)).ToArray();
    }

    public Cursor OpenCursor(Database database)
    {
        ThrowIfDone();
        return new Cursor(this, Check(database), Version);
    }

    internal DatabaseState Check(Database database)
    {
        if (!Catalog.ById.TryGetValue(database.Id, out var state) || !ReferenceEquals(state, database.State))
        {
            throw new DatabaseNotFoundException(database.Name);
        }

        return state;
    }

    internal void ThrowIfDone()
    {
        if (_done)
        {
            throw new TransactionStateException("the transaction has already ended");
        }
    }

    internal bool IsDone => _done;

    protected void MarkDone() => _done = true;

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (_done)
        {
            return;
        }

        _done = true;
        if (Registered)
        {
            Env.Readers.Exit(Point.Version);
        }
    }
}
