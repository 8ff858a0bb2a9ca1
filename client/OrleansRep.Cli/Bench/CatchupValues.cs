using System.Buffers.Binary;

namespace OrleansRep.Cli.Bench;

/// <summary>
/// Keys and values of <c>orep bench catchup</c>: a 16-byte key (writer, sequence), and a value of any size computed
/// from the key (a 64-bit xorshift stream seeded by it), so a read can tell a right value from a wrong one and the
/// values do not compress to nothing.
/// </summary>
internal static class CatchupValues
{
    public static byte[] Key(int writer, long sequence)
    {
        var key = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(key, 0xCA7C_0000_0000_0000UL | (uint)writer);
        BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(8), sequence);
        return key;
    }

    public static byte[] ValueOf(byte[] key, int size)
    {
        var value = new byte[size];
        var state = BinaryPrimitives.ReadUInt64BigEndian(key) ^ (BinaryPrimitives.ReadUInt64BigEndian(key.AsSpan(8)) * 0x9E37_79B9_7F4A_7C15UL) | 1;
        var i = 0;
        for (; i + 8 <= size; i += 8)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            BinaryPrimitives.WriteUInt64LittleEndian(value.AsSpan(i), state);
        }

        for (; i < size; i++)
        {
            value[i] = (byte)(state >> (8 * (i % 8)));
        }

        return value;
    }
}
