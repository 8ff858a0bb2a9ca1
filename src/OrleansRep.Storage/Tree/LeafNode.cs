namespace OrleansRep.Storage.Tree;

/// <summary>A leaf: sorted keys and their values. Values too large for the page are written to overflow pages by a
/// checkpoint but are always whole in memory once the leaf is loaded.</summary>
internal sealed class LeafNode : Node
{
    public byte[][] Keys;
    public byte[][] Values;

    public LeafNode(long version, int scope, PageHolder holder, int capacity)
        : base(version, scope, holder)
    {
        Keys = new byte[capacity][];
        Values = new byte[capacity][];
    }

    private LeafNode(PageStore source, ulong page, PageHolder holder)
        : base(0, 0, holder)
    {
        Keys = [];
        Values = [];
        PageNo = page;
        MarkUnloaded(source);
    }

    public static LeafNode Unloaded(PageStore source, ulong page) => new(source, page, new PageHolder(page));

    /// <summary>A stub for an evicted leaf: same page, same holder (so the next checkpoint still frees the page once).</summary>
    public static LeafNode Unloaded(PageStore source, ulong page, PageHolder holder) => new(source, page, holder);

    public override bool IsLeaf => true;

    protected override void Load(PageStore source)
    {
        var (keys, values) = source.ReadLeaf(PageNo);
        Keys = keys;
        Values = values;
        Count = keys.Length;
        var bytes = 0;
        for (var i = 0; i < Count; i++)
        {
            bytes += source.Layout.LeafEntrySize(keys[i].Length, values[i].Length);
        }

        Bytes = bytes;
    }

    /// <summary>Index of the first key ≥ <paramref name="key"/>; <paramref name="found"/> when equal.</summary>
    public int Search(ReadOnlySpan<byte> key, out bool found)
    {
        int lo = 0, hi = Count - 1;
        var keys = Keys;
        while (lo <= hi)
        {
            var mid = (int)((uint)(lo + hi) >> 1);
            var c = keys[mid].AsSpan().SequenceCompareTo(key);
            if (c == 0)
            {
                found = true;
                return mid;
            }

            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        found = false;
        return lo;
    }

    public LeafNode CopyAs(long version, int scope, int extra)
    {
        var copy = new LeafNode(version, scope, Holder, Math.Max(Count + extra, 4))
        {
            Count = Count,
            Bytes = Bytes,
        };
        Array.Copy(Keys, copy.Keys, Count);
        Array.Copy(Values, copy.Values, Count);
        return copy;
    }

    public void Insert(int index, byte[] key, byte[] value, int entryBytes)
    {
        if (Count == Keys.Length)
        {
            Array.Resize(ref Keys, Math.Max(4, Count * 2));
            Array.Resize(ref Values, Keys.Length);
        }

        if (index < Count)
        {
            Array.Copy(Keys, index, Keys, index + 1, Count - index);
            Array.Copy(Values, index, Values, index + 1, Count - index);
        }

        Keys[index] = key;
        Values[index] = value;
        Count++;
        Bytes += entryBytes;
    }

    public void RemoveAt(int index, int entryBytes)
    {
        Count--;
        if (index < Count)
        {
            Array.Copy(Keys, index + 1, Keys, index, Count - index);
            Array.Copy(Values, index + 1, Values, index, Count - index);
        }

        Keys[Count] = null!;
        Values[Count] = null!;
        Bytes -= entryBytes;
    }

    /// <summary>Moves entries from <paramref name="from"/> on into a new right sibling.</summary>
    public LeafNode SplitOff(int from, long version, int scope, PageLayoutInfo layout)
    {
        var n = Count - from;
        var right = new LeafNode(version, scope, new PageHolder(0), Math.Max(n * 2, 4)) { Count = n };
        Array.Copy(Keys, from, right.Keys, 0, n);
        Array.Copy(Values, from, right.Values, 0, n);
        var moved = 0;
        for (var i = 0; i < n; i++)
        {
            moved += layout.LeafEntrySize(right.Keys[i].Length, right.Values[i].Length);
        }

        Array.Clear(Keys, from, n);
        Array.Clear(Values, from, n);
        Count = from;
        Bytes -= moved;
        right.Bytes = moved;
        return right;
    }
}
