using OrleansRep.Grains.Engine;
using OrleansRep.Replication;

namespace OrleansRep.Grains.Tests.Engine;

public sealed class RepStateCodecTests
{
    [Fact]
    public void States_round_trip_field_by_field()
    {
        var random = new Random(21);
        for (var i = 0; i < 200; i++)
        {
            var state = RandomRepState.Next(random);
            var decoded = RepStateCodec.Decode(RepStateCodec.Encode(state));
            Assert.Equal(state with { Sites = decoded.Sites, History = decoded.History }, decoded);
            Assert.Equal(state.Sites.ToList(), decoded.Sites.ToList());
            Assert.Equal(state.History.ToList(), decoded.History.ToList());
        }
    }

    [Fact]
    public void Damaged_bytes_are_a_format_error()
    {
        var bytes = RepStateCodec.Encode(RandomRepState.Next(new Random(3)));
        Assert.Throws<FormatException>(() => RepStateCodec.Decode(bytes.AsSpan(0, bytes.Length - 3)));
        Assert.Throws<FormatException>(() => RepStateCodec.Decode([.. bytes, 0]));
        Assert.Throws<FormatException>(() => RepStateCodec.Decode([99, .. bytes[1..]]));
        Assert.Throws<FormatException>(() => RepStateCodec.Decode([]));
    }
}
