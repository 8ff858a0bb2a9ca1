namespace OrleansRep.Storage;

/// <summary>
/// Many key/value pairs copied into one buffer by <see cref="Cursor.ReadBulk"/> (Berkeley DB's DB_MULTIPLE_KEY):
/// one call moves a whole page's worth of pairs. Reuse one buffer across calls.
/// </summary>
public sealed class BulkBuffer
{
    /// <summary>The index starts with room for pairs of this many bytes on average, so that filling the buffer
    /// with typical pairs never reallocates it: a read loop then allocates nothing (and triggers no collection).</summary>
    private const int ExpectedPairBytes = 64;

    private byte[] _data;
    private int[] _index;

    public BulkBuffer(int capacityBytes = 4 << 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityBytes, 1024);
        _data = new byte[capacityBytes];
        _index = new int[capacityBytes / ExpectedPairBytes * 4];
    }

    public int Count { get; private set; }

    public int BytesUsed { get; private set; }

    public int Capacity => _data.Length;

    public ReadOnlySpan<byte> Key(int i) => _data.AsSpan(_index[i * 4], _index[(i * 4) + 1]);

    public ReadOnlySpan<byte> Value(int i) => _data.AsSpan(_index[(i * 4) + 2], _index[(i * 4) + 3]);

    internal void Clear()
    {
        Count = 0;
        BytesUsed = 0;
    }

    /// <summary>Copies a pair in; false when it does not fit (the first pair of a call always fits: the buffer grows).</summary>
    internal bool TryAdd(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var need = key.Length + value.Length;
        if (BytesUsed + need > _data.Length)
        {
            if (Count > 0)
            {
                return false;
            }

            _data = new byte[need];
        }

        if ((Count + 1) * 4 > _index.Length)
        {
            Array.Resize(ref _index, _index.Length * 2);
        }

        var at = BytesUsed;
        key.CopyTo(_data.AsSpan(at));
        value.CopyTo(_data.AsSpan(at + key.Length));
        var slot = Count * 4;
        _index[slot] = at;
        _index[slot + 1] = key.Length;
        _index[slot + 2] = at + key.Length;
        _index[slot + 3] = value.Length;
        BytesUsed = at + need;
        Count++;
        return true;
    }
}
