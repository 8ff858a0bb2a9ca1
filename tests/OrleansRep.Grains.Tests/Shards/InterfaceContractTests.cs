using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Runtime.Remote;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Tests.Shards;

public sealed class InterfaceContractTests
{
    [Fact]
    public void The_shard_of_a_key_is_crc32c_mod_the_shard_count_and_stable()
    {
        // CRC32C("123456789") is 0xE3069283, the standard check value.
        var map = new ShardMap(1_000);
        Assert.Equal((int)(0xE3069283u % 1_000), map.ShardOf("123456789"u8));
        Assert.Equal((int)(0xE3069283u % 4), new ShardMap().ShardOf("123456789"u8));
        var counts = new int[4];
        for (var i = 0; i < 4_000; i++)
        {
            counts[new ShardMap().ShardOf(BitConverter.GetBytes(i))]++;
        }

        Assert.All(counts, n => Assert.InRange(n, 800, 1_200));
        Assert.Throws<UnknownShardException>(() => new ShardMap(2).CheckShard(2));
    }

    [Fact]
    public void Grain_keys_are_site_keyed_and_parse_back()
    {
        Assert.Equal("shard/3@2", GrainKeys.Shard(3, 2));
        Assert.Equal("election/0@1", GrainKeys.Election(0, 1));
        Assert.Equal("site@3", GrainKeys.Site(3));
        Assert.Equal((3, 2), GrainKeys.ParseShardKey("shard/3@2"));
        Assert.Throws<FormatException>(() => GrainKeys.ParseShardKey("shard/x@2"));
        Assert.Throws<FormatException>(() => GrainKeys.ParseShardKey("shard3"));
    }

    [Fact]
    public void Batches_and_pages_round_trip_and_garbage_is_a_format_error()
    {
        BatchOperation[] ops = [new([1], [2, 3]), new([4], null), new([5, 6], [])];
        var decoded = KeyValueCodec.DecodeBatch(KeyValueCodec.EncodeBatch(ops));
        Assert.Equal(ops.Select(o => (Convert.ToHexString(o.Key), o.Value is null ? null : Convert.ToHexString(o.Value))), decoded.Select(o => (Convert.ToHexString(o.Key), o.Value is null ? null : Convert.ToHexString(o.Value))));

        var page = KeyValueCodec.DecodePage(KeyValueCodec.EncodePage(new ScanPage([new([1], [2]), new([3], [])], [9])));
        Assert.Equal(2, page.Items.Count);
        Assert.Equal([9], page.Next);
        Assert.Null(KeyValueCodec.DecodePage(KeyValueCodec.EncodePage(new ScanPage([], null))).Next);

        Assert.Throws<FormatException>(() => KeyValueCodec.DecodeBatch([0, 0, 0, 1, 7]));
        Assert.Throws<FormatException>(() => KeyValueCodec.DecodeBatch([0x7F, 0, 0, 0]));
        Assert.Throws<FormatException>(() => KeyValueCodec.DecodePage([0, 0, 0, 0, 0, 1]));
    }

    [Fact]
    public void Remote_service_errors_come_back_typed_with_their_data()
    {
        var token = new CommitToken(4, new SiteId(2), new Lsn(3, 1234));
        var notMet = Assert.IsType<DurabilityNotMetException>(ShardErrors.Translate(Remote(new DurabilityNotMetException(token, 1, 2))));
        Assert.Equal((token, 1, 2), (notMet.Token, notMet.Acks, notMet.Needed));
        Assert.Equal(3, Assert.IsType<NotMasterException>(ShardErrors.Translate(Remote(new NotMasterException(0, 1, 3)))).Master);
        Assert.IsType<ShardUnavailableException>(ShardErrors.Translate(Remote(new ShardUnavailableException("x"))));
        var other = new RemoteGrainException("Some.Other", "m");
        Assert.Same(other, ShardErrors.Translate(other));
    }

    private static RemoteGrainException Remote(Exception e) => new(e.GetType().FullName!, e.Message);
}
