using System.Buffers.Binary;

namespace OrleansRep.Cli.Bench;

/// <summary>
/// Keys and values as the Berkeley DB baseline (../shared/bench/bdb) writes them: a 16-byte key, an 8-byte big-endian
/// (phase &lt;&lt; 32 | caller) then an 8-byte big-endian sequence number, so every caller writes its own key range; and a
/// 100-byte value. The value is computed from the key, so a read can tell a right value from a wrong one.
/// </summary>
internal static class ClusterBenchKeys
{
    public const int KeySize = 16;

    public const int ValueSize = 100;

    public static byte[] Key(int phase, int caller, long sequence)
    {
        var key = new byte[KeySize];
        BinaryPrimitives.WriteUInt64BigEndian(key, ((ulong)(uint)phase << 32) | (uint)caller);
        BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(8), sequence);
        return key;
    }

    /// <summary>The value written under <paramref name="key"/>: its bytes over and over, each mixed with its position.</summary>
    public static byte[] ValueOf(byte[] key)
    {
        var value = new byte[ValueSize];
        for (var i = 0; i < value.Length; i++)
        {
            value[i] = (byte)(key[i % key.Length] ^ (i * 31));
        }

        return value;
    }
}
