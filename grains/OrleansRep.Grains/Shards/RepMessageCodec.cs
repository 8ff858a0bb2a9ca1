using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using OrleansRep.Replication;
using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Shards;

/// <summary>
/// Replication messages as bytes, for <c>ILogShardGrain.Deliver</c>: a batch is a sequence of entries (int32 length,
/// send flags, message), each message a version byte, the header (type, from, gen, LSN, control, lease time) and a
/// tagged payload. Big-endian, fixed widths: compact and fast, and every length is checked on decode, so bad input is
/// a <see cref="FormatException"/> and never a half-applied batch.
/// </summary>
internal static class RepMessageCodec
{
    private const byte Version = 1;

    public static void WriteEntry(ArrayBufferWriter<byte> output, RepMessage message, SendOptions flags)
    {
        var lengthAt = output.WrittenCount;
        var w = new Writer(output);
        w.Int(0);
        w.Byte((byte)flags);
        w.Byte(Version);
        w.Byte((byte)message.Type);
        w.Int(message.From.Value);
        w.UInt(message.Gen);
        w.Lsn(message.Lsn);
        w.UShort((ushort)message.Control);
        w.Long(message.LeaseTime);
        WritePayload(ref w, message.Payload);
        // The length goes in front once the message is written: the buffer's written part is ours to patch.
        BinaryPrimitives.WriteInt32BigEndian(MemoryMarshal.AsMemory(output.WrittenMemory).Span[lengthAt..], output.WrittenCount - lengthAt - 4);
    }

    public static List<(RepMessage Message, SendOptions Flags)> ReadBatch(ReadOnlyMemory<byte> batch)
    {
        var result = new List<(RepMessage, SendOptions)>();
        var r = new Reader(batch);
        while (!r.AtEnd)
        {
            var length = r.Int();
            var end = r.Position + length;
            if (length < 1 || end > batch.Length)
            {
                throw new FormatException($"message {result.Count} claims {length} bytes; {batch.Length - r.Position} are left");
            }

            var flags = (SendOptions)r.Byte();
            if (r.Byte() != Version)
            {
                throw new FormatException($"message {result.Count} is not a version-{Version} replication message");
            }

            var type = (RepMessageType)r.Byte();
            if (!Enum.IsDefined(type))
            {
                throw new FormatException($"message {result.Count} has unknown type {(byte)type}");
            }

            var message = new RepMessage(type, new SiteId(r.Int()), r.UInt(), r.Lsn(), (RepControl)r.UShort()) { LeaseTime = r.Long() };
            message = message with { Payload = ReadPayload(ref r) };
            if (r.Position != end)
            {
                throw new FormatException($"message {result.Count} ({type}) does not end where its length says");
            }

            result.Add((message, flags));
        }

        return result;
    }

    private static void WritePayload(ref Writer w, RepPayload? payload)
    {
        switch (payload)
        {
            case null: w.Byte(0); break;
            case RecordPayload p: w.Byte(1); w.Record(p.Record); break;
            case BulkPayload p:
                w.Byte(2);
                w.Int(p.Records.Count);
                foreach (var record in p.Records)
                {
                    w.Record(record);
                }

                break;
            case RangePayload p: w.Byte(3); w.Lsn(p.End); break;
            case VotePayload p:
                w.Byte(4); w.UInt(p.Egen); w.Int(p.Nsites); w.Int(p.Nvotes); w.Int(p.Priority); w.Bool(p.Electable); w.UInt(p.DataGen);
                w.Lsn(p.LastCommit); w.UInt(p.Tiebreaker); w.Bool(p.FullElection); w.Bool(p.Appointed);
                break;
            case AlivePayload p: w.Byte(5); w.UInt(p.Egen); break;
            case SitePayload p: w.Byte(6); w.Site(p.Site); break;
            case MembershipPayload p:
                w.Byte(7);
                w.Long(p.Version);
                w.Int(p.Sites.Count);
                foreach (var site in p.Sites)
                {
                    w.Site(site);
                }

                break;
            case UpdatePayload p: w.Byte(8); w.Lsn(p.FirstLsn); w.Long(p.SnapshotId); w.Int(p.Chunks); break;
            case UpdateRequestPayload p: w.Byte(9); w.Bool(p.Repeat); break;
            case ChunkPayload p: w.Byte(10); w.Long(p.SnapshotId); w.Int(p.Index); w.Int(p.Count); w.Bytes(p.Data.Span); break;
            case ChunkRequestPayload p: w.Byte(11); w.Long(p.SnapshotId); w.Int(p.Index); break;
            case LeasePayload p: w.Byte(12); w.Long(p.MasterTime); break;
            case NewMasterPayload p:
                w.Byte(13);
                w.Lsn(p.GenerationStart);
                w.Int(p.Earlier?.Count ?? 0);
                foreach (var g in p.Earlier ?? [])
                {
                    w.UInt(g.Gen);
                    w.Int(g.Master.Value);
                    w.Lsn(g.Start);
                }

                break;
            default: throw new NotSupportedException($"no wire form for {payload.GetType().Name}");
        }
    }

    private static RepPayload? ReadPayload(ref Reader r)
    {
        var tag = r.Byte();
        switch (tag)
        {
            case 0: return null;
            case 1: return new RecordPayload(r.Record());
            case 2:
                var count = r.Count(13);
                var records = new List<LogRecordView>(count);
                for (var i = 0; i < count; i++)
                {
                    records.Add(r.Record());
                }

                return new BulkPayload(records);
            case 3: return new RangePayload(r.Lsn());
            case 4: return new VotePayload(r.UInt(), r.Int(), r.Int(), r.Int(), r.Bool(), r.UInt(), r.Lsn(), r.UInt(), r.Bool(), r.Bool());
            case 5: return new AlivePayload(r.UInt());
            case 6: return new SitePayload(r.Site());
            case 7:
                var version = r.Long();
                var sites = new List<SiteInfo>(r.Count(12));
                for (var i = sites.Capacity; i > 0; i--)
                {
                    sites.Add(r.Site());
                }

                return new MembershipPayload(sites, version);
            case 8: return new UpdatePayload(r.Lsn(), r.Long(), r.Int());
            case 9: return new UpdateRequestPayload(r.Bool());
            case 10: return new ChunkPayload(r.Long(), r.Int(), r.Int(), r.Bytes());
            case 11: return new ChunkRequestPayload(r.Long(), r.Int());
            case 12: return new LeasePayload(r.Long());
            case 13:
                var generationStart = r.Lsn();
                var earlier = new List<GenerationStart>(r.Count(16));
                for (var i = earlier.Capacity; i > 0; i--)
                {
                    earlier.Add(new GenerationStart(r.UInt(), new SiteId(r.Int()), r.Lsn()));
                }

                return new NewMasterPayload(generationStart, earlier.Count == 0 ? null : earlier);
            default: throw new FormatException($"unknown payload tag {tag}");
        }
    }

    private readonly ref struct Writer(ArrayBufferWriter<byte> output)
    {
        private readonly ArrayBufferWriter<byte> _output = output;

        public void Byte(byte v)
        {
            _output.GetSpan(1)[0] = v;
            _output.Advance(1);
        }

        public void Bool(bool v) => Byte(v ? (byte)1 : (byte)0);

        public void UShort(ushort v)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_output.GetSpan(2), v);
            _output.Advance(2);
        }

        public void Int(int v)
        {
            BinaryPrimitives.WriteInt32BigEndian(_output.GetSpan(4), v);
            _output.Advance(4);
        }

        public void UInt(uint v)
        {
            BinaryPrimitives.WriteUInt32BigEndian(_output.GetSpan(4), v);
            _output.Advance(4);
        }

        public void Long(long v)
        {
            BinaryPrimitives.WriteInt64BigEndian(_output.GetSpan(8), v);
            _output.Advance(8);
        }

        public void Lsn(Lsn v) => Long((long)v.ToUInt64());

        public void Bytes(ReadOnlySpan<byte> v)
        {
            Int(v.Length);
            _output.Write(v);
        }

        public void Record(LogRecordView v)
        {
            Lsn(v.Lsn);
            Byte((byte)v.Kind);
            Bytes(v.Frame.Span);
        }

        public void Site(SiteInfo v)
        {
            Int(v.Id.Value);
            Bytes(Encoding.UTF8.GetBytes(v.Address));
            Int(v.Priority);
        }
    }

    private ref struct Reader(ReadOnlyMemory<byte> input)
    {
        private readonly ReadOnlyMemory<byte> _input = input;

        public int Position { get; private set; }

        public readonly bool AtEnd => Position >= _input.Length;

        private ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || _input.Length - Position < n)
            {
                throw new FormatException($"truncated at byte {Position}: {n} more wanted, {_input.Length - Position} left");
            }

            var span = _input.Span.Slice(Position, n);
            Position += n;
            return span;
        }

        public byte Byte() => Take(1)[0];

        public bool Bool() => Byte() != 0;

        public ushort UShort() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

        public int Int() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

        public uint UInt() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

        public long Long() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

        public Lsn Lsn() => Storage.Lsn.FromUInt64((ulong)Long());

        // Each element takes at least minimum bytes, so a count the input cannot hold is refused before allocating.
        public int Count(int minimum)
        {
            var count = Int();
            return count >= 0 && count <= (_input.Length - Position) / minimum ? count : throw new FormatException($"count {count} does not fit what is left");
        }

        public ReadOnlyMemory<byte> Bytes()
        {
            var length = Int();
            Take(length);
            return _input.Slice(Position - length, length);
        }

        public LogRecordView Record()
        {
            var lsn = Lsn();
            var kind = (RecordKind)Byte();
            if (!Enum.IsDefined(kind))
            {
                throw new FormatException($"unknown record kind {(byte)kind}");
            }

            return new LogRecordView(lsn, kind, Bytes());
        }

        public SiteInfo Site() => new(new SiteId(Int()), Encoding.UTF8.GetString(Bytes().Span), Int());
    }
}
