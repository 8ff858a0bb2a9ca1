using System.Buffers.Binary;
using System.Numerics;

namespace OrleansRep.Storage;

/// <summary>CRC32C (Castagnoli) over byte spans, using the CPU instruction through <see cref="BitOperations.Crc32C(uint, ulong)"/>.</summary>
public static class Checksum
{
    public static uint Crc32C(ReadOnlySpan<byte> data) => Append(0xFFFFFFFFu, data) ^ 0xFFFFFFFFu;

    /// <summary>Continues a running CRC (start with 0xFFFFFFFF, finish by xor with 0xFFFFFFFF).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        if (data.Length >= 4)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt32LittleEndian(data));
            data = data[4..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }
}
