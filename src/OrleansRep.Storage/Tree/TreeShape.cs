namespace OrleansRep.Storage.Tree;

/// <summary>Counts a tree's entries, leaves and branches and its depth, as a snapshot sees it (loads every node).</summary>
internal static class TreeShape
{
    public static DatabaseStats Measure(string name, uint id, Node? root, long snapshot)
    {
        long entries = 0, leaves = 0, branches = 0;
        var depth = 0;
        Walk(Node.Resolve(root, snapshot), snapshot, 1, ref entries, ref leaves, ref branches, ref depth);
        return new DatabaseStats(name, id, entries, depth, leaves, branches);
    }

    private static void Walk(Node? n, long snapshot, int level, ref long entries, ref long leaves, ref long branches, ref int depth)
    {
        if (n == null)
        {
            return;
        }

        n.EnsureLoaded();
        depth = Math.Max(depth, level);
        if (n is LeafNode leaf)
        {
            leaves++;
            entries += leaf.Count;
            return;
        }

        var b = (BranchNode)n;
        branches++;
        for (var i = 0; i < b.Count; i++)
        {
            Walk(Node.Resolve(b.Child(i), snapshot), snapshot, level + 1, ref entries, ref leaves, ref branches, ref depth);
        }
    }
}
