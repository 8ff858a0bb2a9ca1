using OrleansRep.Storage.Tree;

namespace OrleansRep.Storage;

/// <summary>
/// Walks one database in key order on its transaction's snapshot: seek, first/last, next/prev, bulk reads. Keys
/// and values it exposes are immutable. In a write transaction the cursor sees the state at the moment it was
/// positioned; positions are not adjusted for writes made while iterating.
/// </summary>
public sealed class Cursor
{
    private readonly ReadTransaction _txn;
    private readonly DatabaseState _db;
    private readonly long _snapshot;
    private readonly List<(BranchNode Node, int Index)> _path = [];
    private LeafNode? _leaf;
    private int _index;

    internal Cursor(ReadTransaction txn, DatabaseState db, long snapshot)
    {
        _txn = txn;
        _db = db;
        _snapshot = snapshot;
    }

    /// <summary>True when the cursor stands on a pair.</summary>
    public bool IsValid => _leaf != null && _index >= 0 && _index < _leaf.Count;

    public ReadOnlyMemory<byte> Key => IsValid ? _leaf!.Keys[_index] : throw NotPositioned();

    public ReadOnlyMemory<byte> Value => IsValid ? _leaf!.Values[_index] : throw NotPositioned();

    public bool First() => Position(last: false);

    public bool Last() => Position(last: true);

    /// <summary>Moves to the first key ≥ <paramref name="key"/>.</summary>
    public bool Seek(ReadOnlySpan<byte> key)
    {
        var n = Restart();
        if (n == null)
        {
            return false;
        }

        while (n is BranchNode b)
        {
            var i = b.ChildIndex(key);
            _path.Add((b, i));
            n = Resolve(b.Child(i))!;
        }

        _leaf = (LeafNode)n;
        _db.LeafVisits.Increment();
        _index = _leaf.Search(key, out _);
        return _index < _leaf.Count || NextLeaf(forward: true);
    }

    /// <summary>Moves to exactly <paramref name="key"/>; false (cursor then on the next key) when absent.</summary>
    public bool SeekExact(ReadOnlySpan<byte> key) => Seek(key) && Key.Span.SequenceEqual(key);

    public bool Next()
    {
        _txn.ThrowIfDone();
        if (_leaf == null)
        {
            return false;
        }

        _index++;
        return _index < _leaf.Count || NextLeaf(forward: true);
    }

    public bool Prev()
    {
        _txn.ThrowIfDone();
        if (_leaf == null)
        {
            return false;
        }

        _index--;
        return _index >= 0 || NextLeaf(forward: false);
    }

    /// <summary>
    /// Copies pairs from the current one onward into <paramref name="buffer"/> until it is full or the database ends,
    /// and leaves the cursor after the last pair copied. Returns how many pairs were copied (0 at the end). Before the
    /// first pair (after <see cref="Prev"/> stepped off the start) it starts with the first pair, as <see cref="Next"/> would.
    /// </summary>
    public int ReadBulk(BulkBuffer buffer)
    {
        _txn.ThrowIfDone();
        buffer.Clear();
        if (_leaf != null && _index < 0)
        {
            _index = 0;
        }

        while (_leaf != null)
        {
            var leaf = _leaf;
            while (_index < leaf.Count)
            {
                if (!buffer.TryAdd(leaf.Keys[_index], leaf.Values[_index]))
                {
                    return buffer.Count;
                }

                _index++;
            }

            if (!NextLeaf(forward: true))
            {
                break;
            }
        }

        return buffer.Count;
    }

    /// <summary>Pairs with <paramref name="from"/> ≤ key &lt; <paramref name="to"/> (either bound may be null).</summary>
    public IEnumerable<KeyValuePair<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>> Range(byte[]? from, byte[]? to)
    {
        var ok = from == null ? First() : Seek(from);
        while (ok && (to == null || Key.Span.SequenceCompareTo(to) < 0))
        {
            yield return new(Key, Value);
            ok = Next();
        }
    }

    /// <summary>Pairs whose key starts with <paramref name="prefix"/>.</summary>
    public IEnumerable<KeyValuePair<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>> Prefix(byte[] prefix)
    {
        var ok = Seek(prefix);
        while (ok && Key.Span.StartsWith(prefix))
        {
            yield return new(Key, Value);
            ok = Next();
        }
    }

    private bool Position(bool last)
    {
        var n = Restart();
        if (n == null)
        {
            return false;
        }

        _leaf = Descend(n, last);
        _index = last ? _leaf.Count - 1 : 0;
        return IsValid || NextLeaf(!last);
    }

    /// <summary>Forgets the position and returns the root as of the snapshot (null, and no leaf, for an empty tree).</summary>
    private Node? Restart()
    {
        _txn.ThrowIfDone();
        _path.Clear();
        var root = Resolve(_db.Root);
        if (root == null)
        {
            _leaf = null;
        }

        return root;
    }

    private LeafNode Descend(Node n, bool last)
    {
        while (n is BranchNode b)
        {
            var i = last ? b.Count - 1 : 0;
            _path.Add((b, i));
            n = Resolve(b.Child(i))!;
        }

        return (LeafNode)n;
    }

    /// <summary>Moves to the first pair of the next (or last pair of the previous) non-empty leaf.</summary>
    private bool NextLeaf(bool forward)
    {
        while (true)
        {
            var level = _path.Count - 1;
            while (level >= 0)
            {
                var (b, i) = _path[level];
                var next = forward ? i + 1 : i - 1;
                if (next >= 0 && next < b.Count)
                {
                    _path[level] = (b, next);
                    _path.RemoveRange(level + 1, _path.Count - level - 1);
                    break;
                }

                level--;
            }

            if (level < 0)
            {
                // Stay just past the end (or before the start) so that moving back works.
                _index = forward ? _leaf!.Count : -1;
                return false;
            }

            var (branch, index) = _path[level];
            var leaf = Descend(Resolve(branch.Child(index))!, last: !forward);
            _db.LeafVisits.Increment();
            if (leaf.Count > 0)
            {
                _leaf = leaf;
                _index = forward ? 0 : leaf.Count - 1;
                return true;
            }

            _leaf = leaf;
        }
    }

    private Node? Resolve(Node? head)
    {
        var n = Node.Resolve(head, _snapshot);
        n?.EnsureLoaded();
        return n;
    }

    private static InvalidOperationException NotPositioned() => new("the cursor is not on a pair");
}
