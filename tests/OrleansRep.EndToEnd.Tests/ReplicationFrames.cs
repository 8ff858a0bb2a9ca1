using System.Buffers.Binary;
using OrleansRep.Replication.Messages;

namespace OrleansRep.EndToEnd.Tests;

/// <summary>
/// Replication messages for <c>ILogShardGrain.Deliver</c>, written byte by byte from the wire format the grains
/// document (<c>grains/OrleansRep.Grains/Shards/RepMessageCodec.cs</c>, which is internal to the grains and not visible
/// here): per entry an int32 length, the send flags, version 1, type, from, gen, LSN (file &lt;&lt; 32 | offset), control,
/// lease time, then a payload tag and its fields; big-endian. Enough to say anything a peer could say in a header.
/// </summary>
internal static class ReplicationFrames
{
    private const byte Version = 1;
    private const byte NoPayload = 0;
    private const byte AlivePayloadTag = 5;

    /// <summary>A master's heartbeat (no payload) from <paramref name="from"/> at <paramref name="gen"/>.</summary>
    public static byte[] Heartbeat(int from, uint gen, ulong lsn) => Entry(RepMessageType.Heartbeat, from, gen, lsn, [NoPayload]);

    /// <summary>ALIVE (an election is on at <paramref name="egen"/>) from <paramref name="from"/> at <paramref name="gen"/>.</summary>
    public static byte[] Alive(int from, uint gen, ulong lsn, uint egen)
    {
        var payload = new byte[5];
        payload[0] = AlivePayloadTag;
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(1), egen);
        return Entry(RepMessageType.Alive, from, gen, lsn, payload);
    }

    private static byte[] Entry(RepMessageType type, int from, uint gen, ulong lsn, byte[] payload)
    {
        const int Header = 1 + 1 + 1 + 4 + 4 + 8 + 2 + 8;
        var entry = new byte[4 + Header + payload.Length];
        var span = entry.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span, Header + payload.Length);
        span[4] = 0; // send flags: none
        span[5] = Version;
        span[6] = (byte)type;
        BinaryPrimitives.WriteInt32BigEndian(span[7..], from);
        BinaryPrimitives.WriteUInt32BigEndian(span[11..], gen);
        BinaryPrimitives.WriteUInt64BigEndian(span[15..], lsn);
        BinaryPrimitives.WriteUInt16BigEndian(span[23..], 0); // control: none
        BinaryPrimitives.WriteInt64BigEndian(span[25..], 0); // lease time: none
        payload.CopyTo(span[33..]);
        return entry;
    }
}
