using OrleansRep.Storage.Log;

namespace OrleansRep.Storage.Txn;

/// <summary>A transaction's operations, encoded as they will be logged, cut into records of at most
/// <see cref="ChunkBytes"/> at operation boundaries.</summary>
internal sealed class TxnOpBuffer
{
    public const int ChunkBytes = 1 << 20;

    private byte[] _bytes = new byte[256];
    private readonly List<int> _cuts = [];

    public int Length { get; private set; }

    /// <summary>Empties the buffer for the next transaction, keeping its memory unless a huge transaction grew it.</summary>
    public void Reset()
    {
        if (_bytes.Length > 4 * ChunkBytes)
        {
            _bytes = new byte[256];
        }

        Length = 0;
        OpCount = 0;
        _cuts.Clear();
    }

    public int OpCount { get; private set; }

    public Span<byte> Reserve(int size)
    {
        if (Length + size > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, Length + size));
        }

        var lastCut = _cuts.Count == 0 ? 0 : _cuts[^1];
        if (Length - lastCut + size > ChunkBytes && Length > lastCut)
        {
            _cuts.Add(Length);
        }

        var span = _bytes.AsSpan(Length, size);
        Length += size;
        OpCount++;
        return span;
    }

    public void Add(TxnOpKind kind, uint db, ReadOnlySpan<byte> key, ReadOnlySpan<byte> old, bool hasOld, ReadOnlySpan<byte> value)
    {
        var size = TxnOp.EncodedSize(kind, key.Length, hasOld ? old.Length : (kind == TxnOpKind.Delete ? 0 : null), value.Length);
        TxnOp.Encode(Reserve(size), kind, db, key, old, hasOld, value);
    }

    /// <summary>Where the buffer stands, to roll back to (nested transactions).</summary>
    public (int Length, int Ops, int Cuts) Mark => (Length, OpCount, _cuts.Count);

    public void RollBack((int Length, int Ops, int Cuts) mark)
    {
        Length = mark.Length;
        OpCount = mark.Ops;
        _cuts.RemoveRange(mark.Cuts, _cuts.Count - mark.Cuts);
    }

    /// <summary>How many record payloads the operations make: every one but the last goes in an Ops record, the last
    /// in the Commit.</summary>
    public int ChunkCount => _cuts.Count + 1;

    /// <summary><see cref="Chunk"/> as a delegate, made once: the buffer is reused by every transaction.</summary>
    public Func<int, ReadOnlyMemory<byte>> ChunkAccessor => _chunkAccessor ??= Chunk;

    private Func<int, ReadOnlyMemory<byte>>? _chunkAccessor;

    public ReadOnlyMemory<byte> Chunk(int index)
    {
        var start = index == 0 ? 0 : _cuts[index - 1];
        var end = index < _cuts.Count ? _cuts[index] : Length;
        return _bytes.AsMemory(start, end - start);
    }
}
