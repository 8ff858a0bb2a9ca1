namespace OrleansRep.Runtime.Streams;

/// <summary>
/// The last N items of one stream, in token order (a ring buffer). It serves rewinds and tells a re-published
/// token from an out-of-order one. Not thread-safe: the owning stream serialises access.
/// </summary>
internal sealed class RetainedWindow<T>
{
    private readonly SequencedItem<T>[] _ring;
    private int _start;
    private int _count;
    private StreamSequenceToken? _lastEvicted;

    public RetainedWindow(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new SequencedItem<T>[capacity];
    }

    /// <summary>The newest token, or null when nothing was ever published.</summary>
    public StreamSequenceToken? Last => _count == 0 ? null : At(_count - 1).Token;

    /// <summary>
    /// The smallest token from which the window holds every item: just after the last evicted one, or
    /// <see cref="StreamSequenceToken.First"/> when nothing was evicted (the window is the whole history).
    /// </summary>
    public StreamSequenceToken AvailableFrom => _lastEvicted?.Next() ?? StreamSequenceToken.First;

    /// <summary>Appends an item whose token the caller has checked to be after <see cref="Last"/>.</summary>
    public void Append(SequencedItem<T> item)
    {
        if (_count == _ring.Length)
        {
            _lastEvicted = _ring[_start].Token;
            _ring[_start] = default;
            _start = (_start + 1) % _ring.Length;
            _count--;
        }
        _ring[(_start + _count) % _ring.Length] = item;
        _count++;
    }

    public bool Contains(StreamSequenceToken token)
    {
        int index = IndexOfFirstAtOrAfter(token);
        return index < _count && At(index).Token == token;
    }

    /// <summary>A copy of the items at or after <paramref name="from"/>, oldest first.</summary>
    public SequencedItem<T>[] CopyFrom(StreamSequenceToken from)
    {
        int first = IndexOfFirstAtOrAfter(from);
        var copy = new SequencedItem<T>[_count - first];
        for (int i = 0; i < copy.Length; i++)
        {
            copy[i] = At(first + i);
        }
        return copy;
    }

    private SequencedItem<T> At(int logicalIndex) => _ring[(_start + logicalIndex) % _ring.Length];

    // Binary search: tokens increase along the window.
    private int IndexOfFirstAtOrAfter(StreamSequenceToken token)
    {
        int low = 0, high = _count;
        while (low < high)
        {
            int mid = low + ((high - low) / 2);
            if (At(mid).Token < token)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }
        return low;
    }
}
