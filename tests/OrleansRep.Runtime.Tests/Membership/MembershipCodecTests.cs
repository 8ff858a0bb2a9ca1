using System.Buffers.Binary;
using OrleansRep.Runtime.Membership;

namespace OrleansRep.Runtime.Tests.Membership;

/// <summary>The membership wire format: every kind round-trips; every malformation is a typed error.</summary>
public sealed class MembershipCodecTests
{
    private const int MaxSilos = 16;
    private static readonly SiloAddress A = new("127.0.0.1", 5000, 7);
    private static readonly SiloAddress B = new("silo-b.example", 6000, 9);

    private static readonly MembershipView SampleView = new(
        42,
        [
            new MembershipEntry(A, SiloStatus.Active),
            new MembershipEntry(B, SiloStatus.Dead, [new SuspicionVote(A, new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero))]),
        ]);

    public static TheoryData<string> Kinds => ["join", "probe", "gossip", "view", "ack", "dead"];

    private static MembershipMessage Sample(string kind) => kind switch
    {
        "join" => MembershipMessage.Join(A),
        "probe" => MembershipMessage.Probe(A, B, 12),
        "gossip" => MembershipMessage.Gossip(B, SampleView),
        "view" => MembershipMessage.ViewResponse(SampleView),
        "ack" => MembershipMessage.ProbeAck(B, 3),
        _ => MembershipMessage.DeclaredDead(A),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_message_kind_round_trips(string kind)
    {
        MembershipMessage message = Sample(kind);

        MembershipMessage decoded = MembershipCodec.Decode(MembershipCodec.Encode(message), MaxSilos);

        Assert.Equal(message.Kind, decoded.Kind);
        Assert.Equal(message.Silo, decoded.Silo);
        Assert.Equal(message.Target, decoded.Target);
        Assert.Equal(message.ViewVersion, decoded.ViewVersion);
        Assert.Equal(message.View?.Version, decoded.View?.Version);
        Assert.True(message.View is null ? decoded.View is null : decoded.View is not null && message.View.ContentEquals(decoded.View));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_truncation_is_rejected(string kind)
    {
        byte[] whole = MembershipCodec.Encode(Sample(kind));
        for (int length = 0; length < whole.Length; length++)
        {
            Assert.Throws<MembershipMessageFormatException>(() => MembershipCodec.Decode(whole.AsSpan(0, length), MaxSilos));
        }
    }

    public static TheoryData<string, byte[]> Malformed()
    {
        byte[] view = MembershipCodec.Encode(MembershipMessage.ViewResponse(SampleView));
        byte[] join = MembershipCodec.Encode(MembershipMessage.Join(A));
        // Offsets into the view response: [1 version][1 kind][8 view version][4 count] then the first silo
        // [1 host length][9 "127.0.0.1"][2 port][8 generation] and its [1 status].
        const int count = 10, firstPort = 14 + 1 + 9, firstStatus = firstPort + 2 + 8;
        return new()
        {
            { "wrong format version", With(join, 0, 2) },
            { "unknown kind", With(join, 1, 77) },
            { "a response kind with a request's body", With(join, 1, (byte)MembershipMessageKind.ProbeAck) },
            { "trailing bytes", [.. join, 0] },
            { "port 0", With(view, firstPort, 0, firstPort + 1, 0) },
            { "unknown status", With(view, firstStatus, 9) },
            { "negative count", WithInt32(view, count, -1) },
            { "count over the limit", WithInt32(view, count, MaxSilos + 1) },
            { "host not UTF-8", With(join, 3, 0xff) },
            { "negative generation", WithInt64(join, 2 + 1 + 9 + 2, -5) },
            { "duplicate endpoints", DuplicateEndpoints() },
            { "empty", [] },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_payload_is_a_typed_error(string what, byte[] payload)
    {
        var error = Assert.Throws<MembershipMessageFormatException>(() => MembershipCodec.Decode(payload, MaxSilos));
        Assert.False(string.IsNullOrEmpty(error.Message), what);
    }

    private static byte[] DuplicateEndpoints()
    {
        // Two entries for A's endpoint cannot be built as a view, so patch B's host and port into A's.
        var view = new MembershipView(1, [new MembershipEntry(A, SiloStatus.Active), new MembershipEntry(new SiloAddress("127.0.0.2", 5000, 8), SiloStatus.Active)]);
        byte[] bytes = MembershipCodec.Encode(MembershipMessage.ViewResponse(view));
        int second = 14 + (1 + 9 + 2 + 8 + 1 + 2);
        return With(bytes, second + 9, (byte)'1');
    }

    private static byte[] With(byte[] source, params int[] offsetsAndValues)
    {
        byte[] copy = [.. source];
        for (int i = 0; i < offsetsAndValues.Length; i += 2)
        {
            copy[offsetsAndValues[i]] = (byte)offsetsAndValues[i + 1];
        }

        return copy;
    }

    private static byte[] WithInt32(byte[] source, int offset, int value)
    {
        byte[] copy = [.. source];
        BinaryPrimitives.WriteInt32LittleEndian(copy.AsSpan(offset), value);
        return copy;
    }

    private static byte[] WithInt64(byte[] source, int offset, long value)
    {
        byte[] copy = [.. source];
        BinaryPrimitives.WriteInt64LittleEndian(copy.AsSpan(offset), value);
        return copy;
    }
}
