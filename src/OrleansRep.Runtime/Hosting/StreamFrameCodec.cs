using System.Buffers;
using System.Runtime.CompilerServices;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Streams;

namespace OrleansRep.Runtime.Hosting;

/// <summary>
/// The binary layout of stream frames on a silo's endpoint: <c>[0x53 'S'][kind]</c> then, for frames to the owner,
/// the stream (<c>[provider][namespace][key][item type]</c>, strings as in <see cref="WireWriter"/>) and the kind's
/// fields; for frames to a subscriber's silo, the subscription id first. Items are <c>[count]</c> then
/// <c>[token: int64][value]</c> each; a byte[] value is <c>[0 = null | 1][length][bytes]</c>, any other type goes
/// through <see cref="GrainValueCodec"/>. Malformed input throws <see cref="GrainCallFormatException"/>.
/// </summary>
internal static class StreamFrameCodec
{
    /// <summary>The first byte of every stream frame; disjoint from membership (0x41) and grain calls (1).</summary>
    public const byte Marker = 0x53;

    private const int MinItemBytes = 9;

    public static WireWriter Start(ArrayBufferWriter<byte> buffer, StreamFrameKind kind)
    {
        var writer = new WireWriter(buffer);
        writer.Byte(Marker);
        writer.Byte((byte)kind);
        return writer;
    }

    public static void WriteStream<T>(WireWriter writer, string provider, StreamId streamId)
    {
        writer.String(provider);
        writer.String(streamId.Namespace);
        writer.String(streamId.Key);
        writer.String(typeof(T).AssemblyQualifiedName);
    }

    public static (string Provider, StreamId StreamId, string ItemType) ReadStream(ref WireReader reader)
    {
        string provider = reader.RequiredString("stream provider");
        string streamNamespace = reader.RequiredString("stream namespace");
        string key = reader.RequiredString("stream key");
        string itemType = reader.RequiredString("item type");
        return streamNamespace.Length == 0 || key.Length == 0
            ? throw new GrainCallFormatException("a stream id needs a namespace and a key")
            : (provider, new StreamId(streamNamespace, key), itemType);
    }

    public static void WriteItems<T>(WireWriter writer, IEnumerable<SequencedItem<T>> items, int count)
    {
        writer.Int32(count);
        if (items is IList<SequencedItem<byte[]?>> records)
        {
            WriteRecords(writer, records);
            return;
        }
        foreach (var (item, token) in items)
        {
            writer.Int64(token.SequenceNumber);
            GrainValueCodec.Write(writer, item, typeof(T));
        }
    }

    public static List<SequencedItem<T>> ReadItems<T>(ref WireReader reader)
    {
        int count = reader.Int32();
        if (count < 0 || count > reader.Remaining / MinItemBytes)
        {
            throw new GrainCallFormatException($"a batch of {count} items cannot fit in {reader.Remaining} bytes");
        }
        if (typeof(T) == typeof(byte[]))
        {
            return (List<SequencedItem<T>>)(object)ReadRecords(ref reader, count);
        }
        var items = new List<SequencedItem<T>>(count);
        for (int i = 0; i < count; i++)
        {
            var token = new StreamSequenceToken(reader.Int64());
            items.Add(new SequencedItem<T>((T)GrainValueCodec.Read(ref reader, typeof(T))!, token));
        }
        return items;
    }

    // The byte[] fast path, not generic: no type tests per item, and optimised from the first call.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteRecords(WireWriter writer, IList<SequencedItem<byte[]?>> records)
    {
        for (int i = 0; i < records.Count; i++)
        {
            var (bytes, token) = records[i];
            writer.Int64(token.SequenceNumber);
            writer.Byte(bytes is null ? (byte)0 : (byte)1);
            if (bytes is not null)
            {
                writer.Bytes(bytes);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static List<SequencedItem<byte[]?>> ReadRecords(ref WireReader reader, int count)
    {
        var records = new List<SequencedItem<byte[]?>>(count);
        for (int i = 0; i < count; i++)
        {
            var token = new StreamSequenceToken(reader.Int64());
            records.Add(new SequencedItem<byte[]?>(reader.Byte() == 0 ? null : reader.Bytes().ToArray(), token));
        }
        return records;
    }

    public static void WriteSilo(WireWriter writer, SiloAddress silo)
    {
        writer.String(silo.Host);
        writer.Int32(silo.Port);
        writer.Int64(silo.Generation);
    }

    public static SiloAddress ReadSilo(ref WireReader reader)
    {
        string host = reader.RequiredString("silo host");
        int port = reader.Int32();
        long generation = reader.Int64();
        try
        {
            return new SiloAddress(host, port, generation);
        }
        catch (ArgumentException e)
        {
            throw new GrainCallFormatException($"a silo address is invalid: {e.Message}", e);
        }
    }

    /// <summary>How a subscription ended: null (completed), fell behind, faulted, or another failure.</summary>
    public static void WriteSignal(WireWriter writer, Exception? signal)
    {
        switch (signal)
        {
            case null:
                writer.Byte(0);
                break;
            case StreamFellBehindException behind:
                writer.Byte(1);
                writer.Int64(behind.FirstMissed.SequenceNumber);
                writer.Int64(behind.EarliestAvailable.SequenceNumber);
                break;
            case StreamSubscriptionFaultedException faulted:
                writer.Byte(2);
                writer.Int64(faulted.FailedToken.SequenceNumber);
                Exception cause = faulted.InnerException ?? faulted;
                writer.String(RemoteExceptionTranslator.WireTypeName(cause));
                writer.String(cause.Message);
                break;
            default:
                writer.Byte(3);
                writer.String(RemoteExceptionTranslator.WireTypeName(signal));
                writer.String(signal.Message);
                break;
        }
    }

    public static Exception? ReadSignal(ref WireReader reader, StreamId streamId)
    {
        switch (reader.Byte())
        {
            case 0:
                return null;
            case 1:
                return new StreamFellBehindException(streamId, new StreamSequenceToken(reader.Int64()), new StreamSequenceToken(reader.Int64()));
            case 2:
                var token = new StreamSequenceToken(reader.Int64());
                var cause = RemoteExceptionTranslator.Recreate(reader.RequiredString("error type"), reader.RequiredString("error message"));
                return new StreamSubscriptionFaultedException(streamId, token, cause);
            case 3:
                return RemoteExceptionTranslator.Recreate(reader.RequiredString("error type"), reader.RequiredString("error message"));
            case var other:
                throw new GrainCallFormatException($"unknown stream end signal {other}");
        }
    }
}
