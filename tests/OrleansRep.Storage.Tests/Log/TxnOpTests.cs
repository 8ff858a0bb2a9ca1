using System.Buffers.Binary;
using OrleansRep.Storage.Log;

namespace OrleansRep.Storage.Tests.Log;

public sealed class TxnOpTests
{
    [Fact]
    public void Round_trip_of_every_kind()
    {
        var payload = new byte[TxnOp.EncodedSize(TxnOpKind.Put, 1, 2, 3) + TxnOp.EncodedSize(TxnOpKind.Delete, 1, 2, 0) + TxnOp.EncodedSize(TxnOpKind.CreateDatabase, 2, null, 0)];
        var span = payload.AsSpan();
        TxnOp.Encode(span, TxnOpKind.Put, 7, "k"u8, "ol"u8, true, "new"u8);
        span = span[TxnOp.EncodedSize(TxnOpKind.Put, 1, 2, 3)..];
        TxnOp.Encode(span, TxnOpKind.Delete, 7, "k"u8, "ol"u8, true, default);
        span = span[TxnOp.EncodedSize(TxnOpKind.Delete, 1, 2, 0)..];
        TxnOp.Encode(span, TxnOpKind.CreateDatabase, 8, "db"u8, default, false, default);

        var ops = TxnOp.DecodeAll(payload);

        Assert.Equal([TxnOpKind.Put, TxnOpKind.Delete, TxnOpKind.CreateDatabase], ops.Select(o => o.Kind));
        Assert.Equal("new"u8.ToArray(), ops[0].NewValue.ToArray());
        Assert.Equal("ol"u8.ToArray(), ops[1].OldValue!.Value.ToArray());
        Assert.Equal("db", ops[2].DatabaseName);
    }

    [Fact]
    public void Length_near_int_max_is_a_format_error_not_an_argument_error()
    {
        // Recovery turns FormatException into CorruptionException; any other exception escapes Open as a crash.
        var payload = new byte[TxnOp.EncodedSize(TxnOpKind.Delete, 1, 4, 0)];
        TxnOp.Encode(payload, TxnOpKind.Delete, 1, "k"u8, "oldv"u8, true, default);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(8), int.MaxValue - 4);

        Assert.Throws<FormatException>(() => TxnOp.DecodeAll(payload));
    }
}
