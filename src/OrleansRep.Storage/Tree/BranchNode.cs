namespace OrleansRep.Storage.Tree;

/// <summary>
/// An interior node: <c>Count</c> children and <c>Count - 1</c> separator keys; child i holds keys in
/// [Keys[i-1], Keys[i]). Child slots hold the head of each child's version chain and are updated in place by the
/// writer (an atomic reference store); adding or removing a child makes a new version of the branch.
/// </summary>
internal sealed class BranchNode : Node
{
    public byte[][] Keys;
    public Node?[] Children;

    /// <summary>Height above the leaves (1 = children are leaves).</summary>
    public int Level;

    /// <summary>Newest commit version that changed a slot here or below; a checkpoint rewrites the branch when this
    /// is newer than <see cref="WrittenVersion"/>.</summary>
    public long DirtyVersion;

    public long WrittenVersion;

    public BranchNode(long version, int scope, PageHolder holder, int level, int capacity)
        : base(version, scope, holder)
    {
        Level = level;
        Keys = new byte[Math.Max(capacity - 1, 1)][];
        Children = new Node?[capacity];
        DirtyVersion = version;
    }

    private BranchNode(PageStore source, ulong page, int level)
        : base(0, 0, new PageHolder(page))
    {
        Level = level;
        Keys = [];
        Children = [];
        PageNo = page;
        MarkUnloaded(source);
    }

    public static BranchNode Unloaded(PageStore source, ulong page, int level) => new(source, page, level);

    public override bool IsLeaf => false;

    protected override void Load(PageStore source)
    {
        var (keys, pages) = source.ReadBranch(PageNo, Level);
        Keys = keys;
        var children = new Node?[pages.Length];
        for (var i = 0; i < pages.Length; i++)
        {
            children[i] = Level == 1 ? LeafNode.Unloaded(source, pages[i]) : Unloaded(source, pages[i], Level - 1);
        }

        Children = children;
        Count = pages.Length;
        var bytes = 8;
        foreach (var k in keys)
        {
            bytes += PageLayout.BranchEntryOverhead + k.Length;
        }

        Bytes = bytes;
    }

    /// <summary>Which child covers <paramref name="key"/>: the number of separators ≤ key.</summary>
    public int ChildIndex(ReadOnlySpan<byte> key)
    {
        int lo = 0, hi = Count - 2;
        var keys = Keys;
        while (lo <= hi)
        {
            var mid = (int)((uint)(lo + hi) >> 1);
            if (keys[mid].AsSpan().SequenceCompareTo(key) <= 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return lo;
    }

    public Node? Child(int index) => Volatile.Read(ref Children[index]);

    public void SetChild(int index, Node? node) => Volatile.Write(ref Children[index], node);

    public BranchNode CopyAs(long version, int scope, int extra)
    {
        var copy = new BranchNode(version, scope, Holder, Level, Math.Max(Count + extra, 4))
        {
            Count = Count,
            Bytes = Bytes,
        };
        Array.Copy(Keys, copy.Keys, Math.Max(Count - 1, 0));
        Array.Copy(Children, copy.Children, Count);
        return copy;
    }

    /// <summary>Inserts separator <paramref name="key"/> and <paramref name="right"/> just after child <paramref name="index"/>.</summary>
    public void InsertAfter(int index, byte[] key, Node right)
    {
        if (Count == Children.Length)
        {
            Array.Resize(ref Children, Count * 2);
            Array.Resize(ref Keys, (Count * 2) - 1);
        }

        var keyCount = Count - 1;
        if (index < keyCount)
        {
            Array.Copy(Keys, index, Keys, index + 1, keyCount - index);
        }

        if (index + 1 < Count)
        {
            Array.Copy(Children, index + 1, Children, index + 2, Count - index - 1);
        }

        Keys[index] = key;
        Children[index + 1] = right;
        Count++;
        Bytes += PageLayout.BranchEntryOverhead + key.Length;
    }

    /// <summary>Removes child <paramref name="index"/> and the separator before it (or after it, for child 0). The
    /// last child has no separator left to remove.</summary>
    public void RemoveChild(int index)
    {
        if (Count > 1)
        {
            var keyIndex = index == 0 ? 0 : index - 1;
            Bytes -= PageLayout.BranchEntryOverhead + Keys[keyIndex].Length;
            Array.Copy(Keys, keyIndex + 1, Keys, keyIndex, Count - 2 - keyIndex);
            Keys[Count - 2] = null!;
        }

        Array.Copy(Children, index + 1, Children, index, Count - index - 1);
        Count--;
        Children[Count] = null;
    }

    /// <summary>Moves children from <paramref name="from"/> on into a new right sibling; returns it and the separator
    /// that goes up to the parent.</summary>
    public (BranchNode Right, byte[] Separator) SplitOff(int from, long version, int scope)
    {
        var n = Count - from;
        var right = new BranchNode(version, scope, new PageHolder(0), Level, Math.Max(n * 2, 4)) { Count = n };
        Array.Copy(Children, from, right.Children, 0, n);
        Array.Copy(Keys, from, right.Keys, 0, n - 1);
        var separator = Keys[from - 1];
        var bytes = 8;
        for (var i = 0; i < n - 1; i++)
        {
            bytes += PageLayout.BranchEntryOverhead + right.Keys[i].Length;
        }

        right.Bytes = bytes;
        Array.Clear(Children, from, n);
        Array.Clear(Keys, from - 1, n);
        Count = from;
        Bytes -= bytes - 8 + PageLayout.BranchEntryOverhead + separator.Length;
        return (right, separator);
    }
}
