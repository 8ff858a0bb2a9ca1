namespace OrleansRep.Storage.Tree;

/// <summary>
/// Keeps the memory held by leaves near the cache size. Only clean leaves go: ones whose current version is the one
/// on its page in the last durable checkpoint, with no older versions any reader may need. Eviction stores a fresh
/// unloaded stub for the same page in the parent's slot instead of changing the leaf, so a reader that already
/// holds the leaf keeps reading it safely; the next reader loads the page again. Branches stay resident (they are a
/// small fraction of a tree). Clock policy: a leaf used since the last pass (<see cref="Node.Touched"/>) is spared
/// once. Runs under the writer lock, so no slot changes under it.
/// </summary>
internal sealed class Evictor(PageStore store)
{
    public long Evictions { get; private set; }

    /// <summary>Memory held by loaded leaves at the last pass (estimate: keys, values and per-entry overhead).</summary>
    public long ResidentBytes { get; private set; }

    public int Run(CatalogVersion catalog, long budget, long oldestReader)
    {
        Interlocked.Exchange(ref store.LoadedSinceEviction, 0);
        var resident = 0L;
        foreach (var db in catalog.ByName.Values)
        {
            resident += Measure(db.Root);
        }

        ResidentBytes = resident;
        if (resident <= budget)
        {
            return 0;
        }

        var target = budget * 9 / 10;
        var evicted = 0;
        for (var pass = 0; pass < 2 && resident > target; pass++)
        {
            foreach (var db in catalog.ByName.Values)
            {
                if (db.Root is BranchNode root && root.IsLoaded)
                {
                    evicted += Sweep(root, ref resident, target, oldestReader, spareTouched: pass == 0);
                }
            }
        }

        ResidentBytes = resident;
        Evictions += evicted;
        return evicted;
    }

    private static long Measure(Node? node)
    {
        if (node == null || !node.IsLoaded)
        {
            return 0;
        }

        if (node is LeafNode leaf)
        {
            return Size(leaf);
        }

        var branch = (BranchNode)node;
        long sum = 0;
        for (var i = 0; i < branch.Count; i++)
        {
            sum += Measure(branch.Child(i));
        }

        return sum;
    }

    private int Sweep(BranchNode branch, ref long resident, long target, long oldestReader, bool spareTouched)
    {
        var evicted = 0;
        for (var i = 0; i < branch.Count && resident > target; i++)
        {
            switch (branch.Child(i))
            {
                case BranchNode child when child.IsLoaded:
                    evicted += Sweep(child, ref resident, target, oldestReader, spareTouched);
                    break;
                case LeafNode leaf when Evictable(leaf, oldestReader):
                    if (spareTouched && leaf.Touched)
                    {
                        leaf.Touched = false;
                        break;
                    }

                    branch.SetChild(i, LeafNode.Unloaded(store, leaf.PageNo, leaf.Holder));
                    resident -= Size(leaf);
                    evicted++;
                    break;
            }
        }

        return evicted;
    }

    private static bool Evictable(LeafNode leaf, long oldestReader) =>
        leaf.IsLoaded && leaf.PageNo != 0 && leaf.Holder.Page == leaf.PageNo && leaf.Older == null && leaf.Version <= oldestReader;

    private static long Size(LeafNode leaf)
    {
        long sum = 64;
        for (var i = 0; i < leaf.Count; i++)
        {
            sum += leaf.Keys[i].Length + leaf.Values[i].Length + 64;
        }

        return sum;
    }
}
