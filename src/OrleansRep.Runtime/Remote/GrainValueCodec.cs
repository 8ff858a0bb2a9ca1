using System.Text.Json;

namespace OrleansRep.Runtime.Remote;

/// <summary>
/// One argument or result on the wire: a tag byte, then the value. The hot types (null, bool, int, long, double,
/// string, byte[] / ReadOnlyMemory&lt;byte&gt;, Guid, DateTime, TimeSpan, enums) have fixed binary layouts; any other
/// type goes through <see cref="JsonSerializer"/> against the declared type. JSON is reflection-based and slow: it
/// is the off-hot-path fallback for rich messages, so grain interfaces on the hot path should use the hot types.
/// Decoding checks the value against the declared type, so a mistyped argument is a format error, not a cast
/// failure inside the grain.
/// </summary>
internal static class GrainValueCodec
{
    private enum Tag : byte
    {
        Null = 0,
        False = 1,
        True = 2,
        Int32 = 3,
        Int64 = 4,
        Double = 5,
        String = 6,
        Bytes = 7,
        Guid = 8,
        DateTime = 9,
        TimeSpan = 10,
        Enum = 11,
        Json = 12,
    }

    public static void Write(WireWriter writer, object? value, Type declaredType)
    {
        switch (value)
        {
            case null:
                writer.Byte((byte)Tag.Null);
                break;
            case bool b:
                writer.Byte((byte)(b ? Tag.True : Tag.False));
                break;
            case int i:
                writer.Byte((byte)Tag.Int32);
                writer.Int32(i);
                break;
            case long l:
                writer.Byte((byte)Tag.Int64);
                writer.Int64(l);
                break;
            case double d:
                writer.Byte((byte)Tag.Double);
                writer.Double(d);
                break;
            case string s:
                writer.Byte((byte)Tag.String);
                writer.String(s);
                break;
            case byte[] bytes:
                writer.Byte((byte)Tag.Bytes);
                writer.Bytes(bytes);
                break;
            case ReadOnlyMemory<byte> memory:
                writer.Byte((byte)Tag.Bytes);
                writer.Bytes(memory.Span);
                break;
            case Guid guid:
                writer.Byte((byte)Tag.Guid);
                writer.Guid(guid);
                break;
            case DateTime time:
                // ToBinary keeps the Kind (UTC, local, unspecified) with the ticks.
                writer.Byte((byte)Tag.DateTime);
                writer.Int64(time.ToBinary());
                break;
            case TimeSpan span:
                writer.Byte((byte)Tag.TimeSpan);
                writer.Int64(span.Ticks);
                break;
            case Enum e:
                writer.Byte((byte)Tag.Enum);
                writer.Int64(Type.GetTypeCode(e.GetType()) == TypeCode.UInt64 ? unchecked((long)Convert.ToUInt64(e, null)) : Convert.ToInt64(e, null));
                break;
            default:
                writer.Byte((byte)Tag.Json);
                writer.Bytes(JsonSerializer.SerializeToUtf8Bytes(value, declaredType == typeof(object) ? value.GetType() : declaredType));
                break;
        }
    }

    /// <exception cref="GrainCallFormatException">Unknown tag, truncated value, or a value the declared type cannot hold.</exception>
    public static object? Read(ref WireReader reader, Type declaredType)
    {
        var tag = (Tag)reader.Byte();
        var target = Nullable.GetUnderlyingType(declaredType) ?? declaredType;
        object? value = tag switch
        {
            Tag.Null => null,
            Tag.False => false,
            Tag.True => true,
            Tag.Int32 => reader.Int32(),
            Tag.Int64 => reader.Int64(),
            Tag.Double => reader.Double(),
            Tag.String => reader.String(),
            // The cast keeps the conditional from converting the array to ReadOnlyMemory<byte> too.
            Tag.Bytes => target == typeof(ReadOnlyMemory<byte>) ? new ReadOnlyMemory<byte>(reader.Bytes().ToArray()) : (object)reader.Bytes().ToArray(),
            Tag.Guid => reader.Guid(),
            Tag.DateTime => ReadDateTime(reader.Int64()),
            Tag.TimeSpan => new TimeSpan(reader.Int64()),
            Tag.Enum => target.IsEnum ? Enum.ToObject(target, reader.Int64()) : throw Mistyped("an enum", declaredType),
            Tag.Json => ReadJson(reader.Bytes(), declaredType),
            _ => throw new GrainCallFormatException($"unknown value tag {(byte)tag}"),
        };

        if (value is null)
        {
            return declaredType.IsValueType && Nullable.GetUnderlyingType(declaredType) is null
                ? throw Mistyped("null", declaredType)
                : null;
        }

        return target.IsInstanceOfType(value) ? value : throw Mistyped(value.GetType().Name, declaredType);
    }

    private static DateTime ReadDateTime(long binary)
    {
        try
        {
            return DateTime.FromBinary(binary);
        }
        catch (ArgumentException e)
        {
            throw new GrainCallFormatException("a DateTime is out of range", e);
        }
    }

    private static object? ReadJson(ReadOnlySpan<byte> json, Type declaredType)
    {
        try
        {
            return JsonSerializer.Deserialize(json, declaredType);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException)
        {
            throw new GrainCallFormatException($"a JSON value does not read as {declaredType.Name}: {e.Message}", e);
        }
    }

    private static GrainCallFormatException Mistyped(string what, Type declaredType) =>
        new($"{what} cannot be passed as {declaredType.Name}");
}
