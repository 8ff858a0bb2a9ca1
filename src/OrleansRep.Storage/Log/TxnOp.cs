using System.Buffers.Binary;
using System.Text;

namespace OrleansRep.Storage.Log;

/// <summary>
/// One operation of a transaction as logged: enough to redo it (new value) and to undo it (old value), so a
/// diverged tail of the log can be rolled back. Encoding, inside Ops/Commit payloads, back to back:
/// <code>
/// u8 kind | u32 database id | u16 key length | key | then by kind:
///   Put:    u8 had-old | [u32 old length | old] | u32 new length | new
///   Delete: u32 old length | old
///   CreateDatabase / DropDatabase: the key is the database name in UTF-8
/// </code>
/// </summary>
public readonly record struct TxnOp(TxnOpKind Kind, uint DatabaseId, ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte>? OldValue, ReadOnlyMemory<byte> NewValue)
{
    public string DatabaseName => Encoding.UTF8.GetString(Key.Span);

    public static int EncodedSize(TxnOpKind kind, int keyLength, int? oldLength, int newLength) => kind switch
    {
        TxnOpKind.Put => 7 + keyLength + 1 + (oldLength.HasValue ? 4 + oldLength.Value : 0) + 4 + newLength,
        TxnOpKind.Delete => 7 + keyLength + 4 + (oldLength ?? 0),
        _ => 7 + keyLength,
    };

    /// <summary>Writes an op into <paramref name="dest"/> (sized by <see cref="EncodedSize"/>).</summary>
    public static void Encode(Span<byte> dest, TxnOpKind kind, uint databaseId, ReadOnlySpan<byte> key, ReadOnlySpan<byte> old, bool hasOld, ReadOnlySpan<byte> value)
    {
        dest[0] = (byte)kind;
        BinaryPrimitives.WriteUInt32LittleEndian(dest[1..], databaseId);
        BinaryPrimitives.WriteUInt16LittleEndian(dest[5..], checked((ushort)key.Length));
        key.CopyTo(dest[7..]);
        var pos = 7 + key.Length;
        switch (kind)
        {
            case TxnOpKind.Put:
                dest[pos++] = hasOld ? (byte)1 : (byte)0;
                if (hasOld)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(dest[pos..], old.Length);
                    old.CopyTo(dest[(pos + 4)..]);
                    pos += 4 + old.Length;
                }

                BinaryPrimitives.WriteInt32LittleEndian(dest[pos..], value.Length);
                value.CopyTo(dest[(pos + 4)..]);
                break;
            case TxnOpKind.Delete:
                BinaryPrimitives.WriteInt32LittleEndian(dest[pos..], old.Length);
                old.CopyTo(dest[(pos + 4)..]);
                break;
        }
    }

    /// <summary>Decodes every op in a payload; a malformed payload throws <see cref="FormatException"/>.</summary>
    public static List<TxnOp> DecodeAll(ReadOnlyMemory<byte> payload)
    {
        var ops = new List<TxnOp>();
        var span = payload.Span;
        var pos = 0;
        while (pos < span.Length)
        {
            Need(span, pos, 7);
            var kind = (TxnOpKind)span[pos];
            var db = BinaryPrimitives.ReadUInt32LittleEndian(span[(pos + 1)..]);
            int keyLength = BinaryPrimitives.ReadUInt16LittleEndian(span[(pos + 5)..]);
            pos += 7;
            Need(span, pos, keyLength);
            var key = payload.Slice(pos, keyLength);
            pos += keyLength;
            switch (kind)
            {
                case TxnOpKind.Put:
                {
                    Need(span, pos, 1);
                    ReadOnlyMemory<byte>? old = null;
                    if (span[pos++] == 1)
                    {
                        old = Chunk(payload, ref pos);
                    }

                    ops.Add(new TxnOp(kind, db, key, old, Chunk(payload, ref pos)));
                    break;
                }

                case TxnOpKind.Delete:
                    ops.Add(new TxnOp(kind, db, key, Chunk(payload, ref pos), ReadOnlyMemory<byte>.Empty));
                    break;
                case TxnOpKind.CreateDatabase or TxnOpKind.DropDatabase:
                    ops.Add(new TxnOp(kind, db, key, null, ReadOnlyMemory<byte>.Empty));
                    break;
                default:
                    throw new FormatException($"unknown operation kind {(byte)kind} at payload offset {pos - 7 - keyLength}");
            }
        }

        return ops;
    }

    private static ReadOnlyMemory<byte> Chunk(ReadOnlyMemory<byte> payload, ref int pos)
    {
        Need(payload.Span, pos, 4);
        var length = BinaryPrimitives.ReadInt32LittleEndian(payload.Span[pos..]);
        pos += 4;
        if (length < 0)
        {
            throw new FormatException("negative length in operation");
        }

        Need(payload.Span, pos, length);
        var chunk = payload.Slice(pos, length);
        pos += length;
        return chunk;
    }

    private static void Need(ReadOnlySpan<byte> span, int pos, int count)
    {
        // Not pos + count: a length field near int.MaxValue would overflow it and pass the check.
        if (count > span.Length - pos)
        {
            throw new FormatException($"operation truncated at payload offset {pos}");
        }
    }
}
