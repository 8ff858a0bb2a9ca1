namespace OrleansRep.Storage.Tree;

/// <summary>
/// Changes B+trees on behalf of one write transaction (commit version <see cref="Version"/>). Every slot it changes is
/// recorded in an undo list, so abort (of the whole transaction or a nested scope) puts the trees back exactly.
/// Nodes and large values that drop out of the tree are collected in <see cref="Released"/>: their pages become
/// free at the first checkpoint that includes this commit.
/// </summary>
internal sealed class TreeWriter(long version, PageLayoutInfo layout, Func<long> oldestReader)
{
    private List<object> _released = [];

    /// <summary>Split a leaf above this many entries even if it fits its page: bounds the cost of copying a leaf.</summary>
    public const int MaxLeafEntries = 256;

    public const int MaxBranchChildren = 256;

    private readonly List<Undo> _undo = [];
    private (BranchNode Node, int Index)[] _path = new (BranchNode, int)[16];

    public long Version { get; private set; } = version;

    public int Scope { get; set; }

    /// <summary>Page holders of removed nodes and instances of removed large values.</summary>
    public List<object> Released => _released;

    /// <summary>Readies this writer for the next transaction (one writer object serves them all: fewer allocations on
    /// the commit path). A released list handed to the environment is replaced, not cleared.</summary>
    public void Reset(long nextVersion)
    {
        Version = nextVersion;
        Scope = 0;
        _undo.Clear();
        if (_released.Count > 0)
        {
            _released = [];
        }
    }

    public int UndoMark => _undo.Count;

    public void RecordRoot(DatabaseState db, Node? previous) => _undo.Add(new Undo(null, 0, previous, db));

    /// <summary>Puts a value; returns the old one (null if the key was new).</summary>
    public byte[]? Put(DatabaseState db, byte[] key, byte[] value)
    {
        var head = db.Root;
        if (head == null)
        {
            var first = new LeafNode(Version, Scope, new PageHolder(0), 4);
            first.Insert(0, key, value, layout.LeafEntrySize(key.Length, value.Length));
            RecordRoot(db, null);
            db.SetRoot(first);
            return null;
        }

        var depth = Descend(head, key, out var leaf);
        var index = leaf.Search(key, out var found);
        var target = MutableLeaf(db, leaf, depth, found ? 0 : 1);
        byte[]? old = null;
        if (found)
        {
            old = target.Values[index];
            target.Bytes += layout.LeafEntrySize(key.Length, value.Length) - layout.LeafEntrySize(key.Length, old.Length);
            target.Values[index] = value;
            ReleaseValue(key, old);
        }
        else
        {
            target.Insert(index, key, value, layout.LeafEntrySize(key.Length, value.Length));
        }

        MarkDirty(depth);
        if (target.Bytes > layout.Capacity || target.Count > MaxLeafEntries)
        {
            SplitLeaf(db, target, depth, appended: !found && index == target.Count - 1);
        }

        return old;
    }

    /// <summary>Deletes a key; returns its old value, or null if it was absent (nothing changes then).</summary>
    public byte[]? Delete(DatabaseState db, ReadOnlySpan<byte> key)
    {
        var head = db.Root;
        if (head == null)
        {
            return null;
        }

        var depth = Descend(head, key, out var leaf);
        var index = leaf.Search(key, out var found);
        if (!found)
        {
            return null;
        }

        var target = MutableLeaf(db, leaf, depth, 0);
        var old = target.Values[index];
        ReleaseValue(target.Keys[index], old);
        target.RemoveAt(index, layout.LeafEntrySize(target.Keys[index].Length, old.Length));
        MarkDirty(depth);
        if (target.Count == 0 && depth > 0)
        {
            Released.Add(target.Holder);
            RemoveChild(db, depth - 1);
        }

        return old;
    }

    /// <summary>Releases every page of a tree (for dropping a database).</summary>
    public void ReleaseTree(Node? head)
    {
        if (head == null)
        {
            return;
        }

        head.EnsureLoaded();
        Released.Add(head.Holder);
        if (head is BranchNode b)
        {
            for (var i = 0; i < b.Count; i++)
            {
                ReleaseTree(b.Child(i));
            }
        }
        else
        {
            var leaf = (LeafNode)head;
            for (var i = 0; i < leaf.Count; i++)
            {
                ReleaseValue(leaf.Keys[i], leaf.Values[i]);
            }
        }
    }

    /// <summary>Puts back every slot changed since <paramref name="mark"/>, newest first.</summary>
    public void RollBack(int mark)
    {
        for (var i = _undo.Count - 1; i >= mark; i--)
        {
            var u = _undo[i];
            if (u.Branch != null)
            {
                u.Branch.SetChild(u.Index, u.Previous);
            }
            else
            {
                u.Database!.SetRoot(u.Previous);
            }
        }

        _undo.RemoveRange(mark, _undo.Count - mark);
    }

    private int Descend(Node head, ReadOnlySpan<byte> key, out LeafNode leaf)
    {
        var depth = 0;
        var n = head;
        n.EnsureLoaded();
        while (n is BranchNode b)
        {
            var i = b.ChildIndex(key);
            if (depth == _path.Length)
            {
                Array.Resize(ref _path, depth * 2);
            }

            _path[depth++] = (b, i);
            n = b.Child(i)!;
            n.EnsureLoaded();
        }

        leaf = (LeafNode)n;
        return depth;
    }

    private bool Owned(Node n) => n.Version == Version && n.Scope == Scope;

    private LeafNode MutableLeaf(DatabaseState db, LeafNode leaf, int depth, int extra)
    {
        if (Owned(leaf))
        {
            return leaf;
        }

        var copy = leaf.CopyAs(Version, Scope, extra);
        Supersede(copy, leaf);
        Install(db, depth, copy);
        return copy;
    }

    private BranchNode MutableBranch(DatabaseState db, int depth)
    {
        var (branch, index) = _path[depth];
        if (Owned(branch))
        {
            return branch;
        }

        var copy = branch.CopyAs(Version, Scope, 1);
        Supersede(copy, branch);
        Install(db, depth, copy);
        _path[depth] = (copy, index);
        return copy;
    }

    /// <summary>Links the new version to the old one and cuts what no reader can need any more.</summary>
    private void Supersede(Node copy, Node old)
    {
        copy.Older = old;
        if (old.Version <= oldestReader())
        {
            old.Older = null;
        }
    }

    /// <summary>Stores <paramref name="node"/> in the slot at <paramref name="depth"/> (the root slot for 0).</summary>
    private void Install(DatabaseState db, int depth, Node node)
    {
        if (depth == 0)
        {
            RecordRoot(db, db.Root);
            db.SetRoot(node);
        }
        else
        {
            var (parent, index) = _path[depth - 1];
            _undo.Add(new Undo(parent, index, parent.Child(index), null));
            parent.SetChild(index, node);
        }
    }

    private void MarkDirty(int depth)
    {
        for (var d = 0; d < depth; d++)
        {
            var b = _path[d].Node;
            if (b.DirtyVersion < Version)
            {
                b.DirtyVersion = Version;
            }
        }
    }

    private void SplitLeaf(DatabaseState db, LeafNode leaf, int depth, bool appended)
    {
        var at = appended ? leaf.Count - 1 : SplitPointByBytes(leaf);
        var right = leaf.SplitOff(at, Version, Scope, layout);
        InsertIntoParent(db, depth, leaf, right.Keys[0], right, level: 1);
    }

    private int SplitPointByBytes(LeafNode leaf)
    {
        var half = leaf.Bytes / 2;
        var sum = 0;
        for (var i = 0; i < leaf.Count - 1; i++)
        {
            sum += layout.LeafEntrySize(leaf.Keys[i].Length, leaf.Values[i].Length);
            if (sum >= half)
            {
                return Math.Max(i, 1);
            }
        }

        return Math.Max(leaf.Count / 2, 1);
    }

    /// <summary>
    /// Where to split an overflowing branch: the separator that goes up is the first that brings the left half to half
    /// the bytes, so both halves fit a page. (Half the children is not enough: separators differ in length up to
    /// MaxKeySize, and the long ones may all be on one side.)
    /// </summary>
    private static int BranchSplitPoint(BranchNode branch)
    {
        var half = branch.Bytes / 2;
        var left = 8;
        for (var i = 0; i < branch.Count - 1; i++)
        {
            left += PageLayout.BranchEntryOverhead + branch.Keys[i].Length;
            if (left >= half)
            {
                return i + 1;
            }
        }

        return branch.Count / 2;
    }

    private void InsertIntoParent(DatabaseState db, int depth, Node left, byte[] separator, Node right, int level)
    {
        if (depth == 0)
        {
            var root = new BranchNode(Version, Scope, new PageHolder(0), level, 4) { Count = 2 };
            root.Children[0] = left;
            root.Children[1] = right;
            root.Keys[0] = separator;
            root.Bytes = 8 + PageLayout.BranchEntryOverhead + separator.Length;
            root.Older = left;
            RecordRoot(db, db.Root);
            db.SetRoot(root);
            return;
        }

        var parent = MutableBranch(db, depth - 1);
        var index = _path[depth - 1].Index;
        parent.InsertAfter(index, separator, right);
        parent.DirtyVersion = Version;
        if (parent.Bytes > layout.Capacity || parent.Count > MaxBranchChildren)
        {
            var at = index == parent.Count - 2 ? parent.Count - 1 : BranchSplitPoint(parent);
            var (sibling, up) = parent.SplitOff(Math.Max(at, 1), Version, Scope);
            InsertIntoParent(db, depth - 1, parent, up, sibling, parent.Level + 1);
        }
    }

    /// <summary>Removes the child at <c>_path[depth]</c>; an emptied branch goes too, up to the root.</summary>
    private void RemoveChild(DatabaseState db, int depth)
    {
        var parent = MutableBranch(db, depth);
        parent.RemoveChild(_path[depth].Index);
        parent.DirtyVersion = Version;
        if (parent.Count > 0)
        {
            return;
        }

        Released.Add(parent.Holder);
        if (depth > 0)
        {
            RemoveChild(db, depth - 1);
            return;
        }

        var empty = new LeafNode(Version, Scope, new PageHolder(0), 4) { Older = parent };
        RecordRoot(db, db.Root);
        db.SetRoot(empty);
    }

    private void ReleaseValue(byte[] key, byte[] value)
    {
        if (!layout.IsInline(key.Length, value.Length))
        {
            Released.Add(value);
        }
    }

    private readonly record struct Undo(BranchNode? Branch, int Index, Node? Previous, DatabaseState? Database);
}
