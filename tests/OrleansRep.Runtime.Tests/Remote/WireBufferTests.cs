using System.Buffers;
using System.Text;
using OrleansRep.Runtime.Remote;

namespace OrleansRep.Runtime.Tests.Remote;

/// <summary>The codec's allocation savings change nothing that is decoded or encoded.</summary>
public sealed class WireBufferTests
{
    [Fact]
    public void A_known_name_decodes_to_the_known_instance_and_any_other_string_decodes_as_utf8_does()
    {
        var known = new string("OrleansRep.IKnownGrain".AsSpan());
        var table = new WireStringTable([known, "kv"]);

        Assert.Same(known, table.Decode(Encoding.UTF8.GetBytes("OrleansRep.IKnownGrain")));
        Assert.Equal("other-é", table.Decode(Encoding.UTF8.GetBytes("other-é")));
        Assert.Equal(string.Empty, table.Decode([]));
        byte[] invalid = [0x6b, 0xff, 0x76];
        Assert.Equal(Encoding.UTF8.GetString(invalid), table.Decode(invalid));
        var longName = new string('n', 2_000);
        Assert.Equal(longName, new WireStringTable([longName]).Decode(Encoding.UTF8.GetBytes(longName)));
    }

    [Fact]
    public void The_wire_reader_uses_the_table_only_when_given_one()
    {
        var known = new string("IKnown".AsSpan());
        var table = new WireStringTable([known]);
        byte[] wire = [6, 0, 0, 0, .. Encoding.UTF8.GetBytes("IKnown"), 255, 255, 255, 255];

        var reader = new WireReader(wire);
        Assert.Same(known, reader.RequiredString("name", table));
        Assert.Null(reader.String(table));
        reader.EnsureEnd();

        var plain = new WireReader(wire);
        Assert.NotSame(known, plain.String());
    }

    [Fact]
    public void A_scratch_buffer_is_reused_empty_on_its_thread_and_a_nested_rent_gets_another()
    {
        var first = ScratchBuffer.Rent();
        first.Write("abc"u8);
        var nested = ScratchBuffer.Rent();
        Assert.NotSame(first, nested);

        Assert.Equal("abc"u8.ToArray(), ScratchBuffer.ToArrayAndReturn(first));
        var again = ScratchBuffer.Rent();
        Assert.Same(first, again);
        Assert.Equal(0, again.WrittenCount);
        ScratchBuffer.ToArrayAndReturn(again);
    }

    [Fact]
    public void A_scratch_buffer_grown_past_the_bound_is_not_kept()
    {
        var big = ScratchBuffer.Rent();
        big.Write(new byte[ScratchBuffer.MaxRetainedBytes + 1]);

        Assert.Equal(ScratchBuffer.MaxRetainedBytes + 1, ScratchBuffer.ToArrayAndReturn(big).Length);
        var next = ScratchBuffer.Rent();
        Assert.NotSame(big, next);
        ScratchBuffer.ToArrayAndReturn(next);
    }
}
