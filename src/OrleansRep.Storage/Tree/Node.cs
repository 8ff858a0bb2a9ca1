namespace OrleansRep.Storage.Tree;

/// <summary>
/// A version of a B+tree node in memory.
/// <para>
/// Concurrency: one writer, any number of readers that never lock. A committed node version is never changed in a
/// way a reader can see. The writer replaces a node by a new version (copy on write) and stores the new version in
/// the parent's slot; the new version points to the one it replaced through <see cref="Older"/>. A reader with
/// snapshot S that finds a version newer than S follows <see cref="Older"/> to the newest version it may see.
/// Versions created by the running transaction (same <see cref="Version"/> and <see cref="Scope"/>) are changed in
/// place: no reader can see them yet.
/// </para>
/// Nodes read from the data file start unloaded and load on first use (<see cref="EnsureLoaded"/>).
/// </summary>
internal abstract class Node
{
    private volatile PageStore? _source;

    protected Node(long version, int scope, PageHolder holder)
    {
        Version = version;
        Scope = scope;
        Holder = holder;
    }

    /// <summary>Commit version that created this version of the node (0 for nodes read from the data file).</summary>
    public long Version { get; }

    /// <summary>Nesting scope of the transaction that created it; in-place change needs the same scope.</summary>
    public int Scope { get; }

    /// <summary>The version this one replaced, for readers with older snapshots; cut once no reader needs it.</summary>
    public volatile Node? Older;

    public PageHolder Holder { get; }

    /// <summary>Page this version was written to by a checkpoint (0 = not written).</summary>
    public ulong PageNo;

    public abstract bool IsLeaf { get; }

    /// <summary>Serialized body size in bytes (what it needs on a page after the header).</summary>
    public int Bytes;

    public int Count;

    public bool IsLoaded => _source == null;

    protected void MarkUnloaded(PageStore source) => _source = source;

    /// <summary>Set on every use, cleared by the evictor: a leaf used since the last eviction pass gets a second chance.</summary>
    public bool Touched;

    public void EnsureLoaded()
    {
        if (!Touched)
        {
            Touched = true;
        }

        var source = _source;
        if (source == null)
        {
            return;
        }

        lock (this)
        {
            if (_source != null)
            {
                Load(source);
                _source = null;
            }
        }
    }

    protected abstract void Load(PageStore source);

    /// <summary>The newest version at or before <paramref name="snapshot"/>, or null if the chain was cut (the
    /// caller's snapshot is too old: only unregistered point reads can see that, and they retry).</summary>
    public static Node? Resolve(Node? head, long snapshot)
    {
        var n = head;
        while (n != null && n.Version > snapshot)
        {
            n = n.Older;
        }

        return n;
    }
}
