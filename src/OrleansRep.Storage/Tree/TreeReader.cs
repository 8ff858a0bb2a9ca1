namespace OrleansRep.Storage.Tree;

/// <summary>Point lookups at a snapshot. Lock-free: follows version chains to the newest version ≤ the snapshot.</summary>
internal static class TreeReader
{
    /// <summary>Finds <paramref name="key"/>. Returns false with <paramref name="stale"/> set when a version chain was
    /// already cut for this snapshot (possible only for unregistered readers, which then retry on a newer one).</summary>
    public static bool TryGet(DatabaseState db, ReadOnlySpan<byte> key, long snapshot, out byte[] value, out bool stale)
    {
        value = [];
        stale = false;
        var n = Node.Resolve(db.Root, snapshot);
        if (n == null)
        {
            // Either the database was empty at the snapshot or the chain was cut; only a retry can tell.
            stale = db.Root != null;
            return false;
        }

        n.EnsureLoaded();
        while (n is BranchNode b)
        {
            n = Node.Resolve(b.Child(b.ChildIndex(key)), snapshot);
            if (n == null)
            {
                stale = true;
                return false;
            }

            n.EnsureLoaded();
        }

        db.LeafVisits.Increment();
        var leaf = (LeafNode)n;
        var i = leaf.Search(key, out var found);
        if (found)
        {
            value = leaf.Values[i];
        }

        return found;
    }
}
