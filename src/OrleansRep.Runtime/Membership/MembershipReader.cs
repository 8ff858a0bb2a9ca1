using System.Buffers.Binary;
using System.Text;

namespace OrleansRep.Runtime.Membership;

/// <summary>Reads the fields of <see cref="MembershipCodec"/>'s format, throwing <see cref="MembershipMessageFormatException"/> on anything out of bounds.</summary>
internal ref struct MembershipReader(ReadOnlySpan<byte> payload)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly ReadOnlySpan<byte> _payload = payload;
    private int _position;

    public byte ReadByte() => Take(1)[0];

    public long ReadVersion()
    {
        long version = BinaryPrimitives.ReadInt64LittleEndian(Take(8));
        return version >= 0 ? version : throw new MembershipMessageFormatException($"negative view version {version}");
    }

    public SiloAddress ReadSilo()
    {
        int hostLength = ReadByte();
        ReadOnlySpan<byte> hostBytes = Take(hostLength);
        int port = BinaryPrimitives.ReadUInt16LittleEndian(Take(2));
        long generation = BinaryPrimitives.ReadInt64LittleEndian(Take(8));
        try
        {
            return new SiloAddress(StrictUtf8.GetString(hostBytes), port, generation);
        }
        catch (Exception e) when (e is ArgumentException or DecoderFallbackException)
        {
            throw new MembershipMessageFormatException("invalid silo address: " + e.Message, e);
        }
    }

    public MembershipView ReadView(int maxSilos)
    {
        long version = ReadVersion();
        int count = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        if (count < 0 || count > maxSilos)
        {
            throw new MembershipMessageFormatException($"a view of {count} silos (the limit is {maxSilos})");
        }

        var entries = new List<MembershipEntry>(count);
        for (int i = 0; i < count; i++)
        {
            SiloAddress silo = ReadSilo();
            byte status = ReadByte();
            if (!Enum.IsDefined((SiloStatus)status))
            {
                throw new MembershipMessageFormatException($"unknown silo status {status} for {silo}");
            }

            int voteCount = BinaryPrimitives.ReadUInt16LittleEndian(Take(2));
            if (voteCount > maxSilos)
            {
                throw new MembershipMessageFormatException($"{voteCount} votes on {silo} (the limit is {maxSilos})");
            }

            var votes = new List<SuspicionVote>(voteCount);
            for (int v = 0; v < voteCount; v++)
            {
                SiloAddress suspecter = ReadSilo();
                long ticks = BinaryPrimitives.ReadInt64LittleEndian(Take(8));
                if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
                {
                    throw new MembershipMessageFormatException($"a vote time out of range on {silo}");
                }

                votes.Add(new SuspicionVote(suspecter, new DateTimeOffset(ticks, TimeSpan.Zero)));
            }

            entries.Add(new MembershipEntry(silo, (SiloStatus)status, votes));
        }

        try
        {
            return new MembershipView(version, entries);
        }
        catch (ArgumentException e)
        {
            throw new MembershipMessageFormatException("invalid view: " + e.Message, e);
        }
    }

    public readonly void EnsureEnd()
    {
        if (_position != _payload.Length)
        {
            throw new MembershipMessageFormatException($"{_payload.Length - _position} bytes after the end of the message");
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (_payload.Length - _position < count)
        {
            throw new MembershipMessageFormatException($"the message ends after {_payload.Length} bytes, inside a field");
        }

        ReadOnlySpan<byte> field = _payload.Slice(_position, count);
        _position += count;
        return field;
    }
}
