using OrleansRep.Storage.Tree;

namespace OrleansRep.Storage.Tests.Engine.Model;

/// <summary>
/// Structural checks of every tree as a snapshot sees it: keys strictly ascending and inside the bounds their
/// separators give, byte counts that match the entries and fit a page (what a checkpoint must be able to write), entry
/// limits, levels, and no empty leaf below the root.
/// </summary>
public static class TreeInvariants
{
    /// <summary>Null when every tree of the snapshot is sound, else the first problem found.</summary>
    public static string? Check(ReadTransaction read)
    {
        var layout = read.Env.Layout;
        foreach (var db in read.Catalog.ByName.Values)
        {
            var root = Node.Resolve(db.Root, read.Version);
            var problem = root == null ? null : CheckNode(root, read.Version, layout, null, null, isRoot: true, expectedLevel: null);
            if (problem != null)
            {
                return $"database '{db.Name}' at version {read.Version}: {problem}";
            }
        }

        return null;
    }

    private static string? CheckNode(Node node, long snapshot, PageLayoutInfo layout, byte[]? low, byte[]? high, bool isRoot, int? expectedLevel)
    {
        node.EnsureLoaded();
        if (node is LeafNode leaf)
        {
            if (expectedLevel is > 0)
            {
                return $"leaf where a branch of level {expectedLevel} belongs";
            }

            if (leaf.Count == 0 && !isRoot)
            {
                return $"empty leaf below the root (keys from {KvModel.Show(low)})";
            }

            if (leaf.Count > TreeWriter.MaxLeafEntries)
            {
                return $"leaf with {leaf.Count} entries (limit {TreeWriter.MaxLeafEntries})";
            }

            var bytes = 0;
            for (var i = 0; i < leaf.Count; i++)
            {
                bytes += layout.LeafEntrySize(leaf.Keys[i].Length, leaf.Values[i].Length);
                if (i > 0 && leaf.Keys[i - 1].AsSpan().SequenceCompareTo(leaf.Keys[i]) >= 0)
                {
                    return $"leaf keys out of order at {i}: {KvModel.Show(leaf.Keys[i - 1])} then {KvModel.Show(leaf.Keys[i])}";
                }

                if ((low != null && leaf.Keys[i].AsSpan().SequenceCompareTo(low) < 0) || (high != null && leaf.Keys[i].AsSpan().SequenceCompareTo(high) >= 0))
                {
                    return $"leaf key {KvModel.Show(leaf.Keys[i])} outside its separators [{KvModel.Show(low)}, {KvModel.Show(high)})";
                }
            }

            if (bytes != leaf.Bytes)
            {
                return $"leaf from {KvModel.Show(leaf.Count > 0 ? leaf.Keys[0] : null)} counts {leaf.Bytes} bytes, its entries take {bytes}";
            }

            return bytes > layout.Capacity ? $"leaf from {KvModel.Show(leaf.Keys[0])} needs {bytes} bytes, a page holds {layout.Capacity}" : null;
        }

        var branch = (BranchNode)node;
        if (expectedLevel != null && branch.Level != expectedLevel)
        {
            return $"branch of level {branch.Level} where level {expectedLevel} belongs";
        }

        if (branch.Count < 1 || branch.Count > TreeWriter.MaxBranchChildren)
        {
            return $"branch with {branch.Count} children";
        }

        var size = 8;
        for (var i = 0; i < branch.Count - 1; i++)
        {
            size += PageLayout.BranchEntryOverhead + branch.Keys[i].Length;
            if (i > 0 && branch.Keys[i - 1].AsSpan().SequenceCompareTo(branch.Keys[i]) >= 0)
            {
                return $"branch separators out of order at {i}";
            }
        }

        if (size != branch.Bytes)
        {
            return $"level-{branch.Level} branch counts {branch.Bytes} bytes, its separators take {size}";
        }

        if (size > layout.Capacity)
        {
            return $"level-{branch.Level} branch with {branch.Count} children needs {size} bytes, a page holds {layout.Capacity}";
        }

        for (var i = 0; i < branch.Count; i++)
        {
            var child = Node.Resolve(branch.Child(i), snapshot);
            if (child == null)
            {
                return $"child {i} of a level-{branch.Level} branch has no version at {snapshot}";
            }

            var problem = CheckNode(child, snapshot, layout, i == 0 ? low : branch.Keys[i - 1], i == branch.Count - 1 ? high : branch.Keys[i], isRoot: false, branch.Level - 1);
            if (problem != null)
            {
                return problem;
            }
        }

        return null;
    }
}
