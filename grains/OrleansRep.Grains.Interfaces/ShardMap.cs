using System.Numerics;

namespace OrleansRep.Grains.Interfaces;

/// <summary>
/// Which shard a key belongs to: CRC32C of the key bytes mod the shard count. Stable across processes, machines and
/// .NET versions (never <c>GetHashCode</c>), so every client and silo agrees; the shard count is fixed when the cluster
/// is created.
/// </summary>
public sealed class ShardMap
{
    /// <summary>The default shard count of a new cluster.</summary>
    public const int DefaultShards = 4;

    public ShardMap(int shards = DefaultShards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(shards, 4096);
        Shards = shards;
    }

    public int Shards { get; }

    /// <summary>The shard of <paramref name="key"/>.</summary>
    public int ShardOf(ReadOnlySpan<byte> key)
    {
        uint crc = 0xFFFFFFFF;
        var i = 0;
        for (; i + 8 <= key.Length; i += 8)
        {
            crc = (uint)BitOperations.Crc32C(crc, BitConverter.ToUInt64(key[i..]));
        }

        for (; i < key.Length; i++)
        {
            crc = BitOperations.Crc32C(crc, key[i]);
        }

        return (int)(~crc % (uint)Shards);
    }

    /// <summary>Throws <see cref="UnknownShardException"/> unless <paramref name="shard"/> is one of this map's.</summary>
    public void CheckShard(int shard)
    {
        if ((uint)shard >= (uint)Shards)
        {
            throw new UnknownShardException($"shard {shard} does not exist: the cluster has shards 0..{Shards - 1}");
        }
    }
}
