using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace OrleansRep.Runtime.Membership;

/// <summary>
/// The binary encoding of <see cref="MembershipMessage"/>, little-endian:
/// <c>[version 1][kind]</c> then per kind: join <c>silo</c>; probe <c>silo target version:i64</c>; gossip
/// <c>silo view</c>; view <c>view</c>; probe ack <c>silo version:i64</c>; declared dead <c>silo</c>. A silo is
/// <c>[host length:u8][host UTF-8][port:u16][generation:i64]</c>; a view <c>[version:i64][count:i32]</c> then per entry
/// <c>silo [status:u8][votes:u16]</c> and per vote <c>silo [cast at: UTC ticks i64]</c>. Decoding checks every field
/// and bound and rejects trailing bytes.
/// </summary>
public static class MembershipCodec
{
    /// <summary>
    /// The format version, the first byte of every payload. A silo serves membership and grain calls on one endpoint
    /// and routes each request by this byte, so it must differ from <c>GrainCallCodec.Version</c> (1): membership
    /// formats count from 0x41.
    /// </summary>
    public const byte FormatVersion = 0x41;

    /// <summary>Encodes <paramref name="message"/>; throws <see cref="ArgumentException"/> if a field its kind needs is missing.</summary>
    public static byte[] Encode(MembershipMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var buffer = new ArrayBufferWriter<byte>(64);
        WriteByte(buffer, FormatVersion);
        WriteByte(buffer, (byte)message.Kind);
        switch (message.Kind)
        {
            case MembershipMessageKind.Join or MembershipMessageKind.DeclaredDead:
                WriteSilo(buffer, Required(message.Silo));
                break;
            case MembershipMessageKind.Probe:
                WriteSilo(buffer, Required(message.Silo));
                WriteSilo(buffer, Required(message.Target));
                WriteInt64(buffer, message.ViewVersion);
                break;
            case MembershipMessageKind.Gossip:
                WriteSilo(buffer, Required(message.Silo));
                WriteView(buffer, Required(message.View));
                break;
            case MembershipMessageKind.View:
                WriteView(buffer, Required(message.View));
                break;
            case MembershipMessageKind.ProbeAck:
                WriteSilo(buffer, Required(message.Silo));
                WriteInt64(buffer, message.ViewVersion);
                break;
            default:
                throw new ArgumentException($"unknown message kind {message.Kind}", nameof(message));
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a payload; throws <see cref="MembershipMessageFormatException"/> if it is malformed in any way.</summary>
    public static MembershipMessage Decode(ReadOnlySpan<byte> payload, int maxSilos)
    {
        var reader = new MembershipReader(payload);
        byte version = reader.ReadByte();
        if (version != FormatVersion)
        {
            throw new MembershipMessageFormatException($"unsupported membership format version {version}");
        }

        var kind = (MembershipMessageKind)reader.ReadByte();
        MembershipMessage message = kind switch
        {
            MembershipMessageKind.Join => MembershipMessage.Join(reader.ReadSilo()),
            MembershipMessageKind.DeclaredDead => MembershipMessage.DeclaredDead(reader.ReadSilo()),
            MembershipMessageKind.Probe => MembershipMessage.Probe(reader.ReadSilo(), reader.ReadSilo(), reader.ReadVersion()),
            MembershipMessageKind.Gossip => MembershipMessage.Gossip(reader.ReadSilo(), reader.ReadView(maxSilos)),
            MembershipMessageKind.View => MembershipMessage.ViewResponse(reader.ReadView(maxSilos)),
            MembershipMessageKind.ProbeAck => MembershipMessage.ProbeAck(reader.ReadSilo(), reader.ReadVersion()),
            _ => throw new MembershipMessageFormatException($"unknown membership message kind {(byte)kind}"),
        };
        reader.EnsureEnd();
        return message;
    }

    private static T Required<T>(T? field)
        where T : class =>
        field ?? throw new ArgumentException($"the message lacks its {typeof(T).Name}");

    private static void WriteView(ArrayBufferWriter<byte> buffer, MembershipView view)
    {
        WriteInt64(buffer, view.Version);
        Span<byte> count = buffer.GetSpan(4);
        BinaryPrimitives.WriteInt32LittleEndian(count, view.Entries.Length);
        buffer.Advance(4);
        foreach (MembershipEntry entry in view.Entries)
        {
            WriteSilo(buffer, entry.Silo);
            WriteByte(buffer, (byte)entry.Status);
            Span<byte> votes = buffer.GetSpan(2);
            BinaryPrimitives.WriteUInt16LittleEndian(votes, checked((ushort)entry.Votes.Length));
            buffer.Advance(2);
            foreach (SuspicionVote vote in entry.Votes)
            {
                WriteSilo(buffer, vote.Suspecter);
                WriteInt64(buffer, vote.CastAt.UtcTicks);
            }
        }
    }

    private static void WriteSilo(ArrayBufferWriter<byte> buffer, SiloAddress silo)
    {
        int hostBytes = Encoding.UTF8.GetByteCount(silo.Host);
        Span<byte> span = buffer.GetSpan(1 + hostBytes + 2 + 8);
        span[0] = (byte)hostBytes;
        Encoding.UTF8.GetBytes(silo.Host, span[1..]);
        BinaryPrimitives.WriteUInt16LittleEndian(span[(1 + hostBytes)..], (ushort)silo.Port);
        BinaryPrimitives.WriteInt64LittleEndian(span[(3 + hostBytes)..], silo.Generation);
        buffer.Advance(1 + hostBytes + 2 + 8);
    }

    private static void WriteInt64(ArrayBufferWriter<byte> buffer, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(buffer.GetSpan(8), value);
        buffer.Advance(8);
    }

    private static void WriteByte(ArrayBufferWriter<byte> buffer, byte value)
    {
        buffer.GetSpan(1)[0] = value;
        buffer.Advance(1);
    }
}
