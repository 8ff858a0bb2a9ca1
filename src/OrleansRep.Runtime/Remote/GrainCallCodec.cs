using System.Buffers;
using OrleansRep.Runtime.Core;

namespace OrleansRep.Runtime.Remote;

/// <summary>
/// The binary layout of grain calls, results and the manifest, in one place. Little-endian; strings are
/// [int32 length, -1 = null][UTF-8]; values are <see cref="GrainValueCodec"/>'s tagged values.
/// <code>
/// request  = [version: 1][kind: 1 = call]  grainType key interface [methodId: uint32]
///            [chain length: int32] (grainType key)* [argument count: byte] value*
///          | [version: 1][kind: 2 = manifest]
/// response = [version: 1][0 = value] value
///          | [version: 1][1 = exception] typeName message
/// manifest = [version: 1][0][count: int32] (interface grainType)*
/// </code>
/// A <see cref="CancellationToken"/> argument travels as a null placeholder; the receiver substitutes its own.
/// </summary>
internal static class GrainCallCodec
{
    public const byte Version = 1;

    /// <summary>Longest call chain accepted; a longer one is a malformed (or runaway) call.</summary>
    public const int MaxCallChainLength = 256;

    private const byte StatusValue = 0;
    private const byte StatusException = 1;

    public static byte[] EncodeCall(GrainCall call, RemoteInterface remoteInterface, RemoteMethod method)
    {
        var buffer = ScratchBuffer.Rent();
        var writer = new WireWriter(buffer);
        writer.Byte(Version);
        writer.Byte((byte)GrainRequestKind.Call);
        writer.String(call.Target.Type);
        writer.String(call.Target.Key);
        writer.String(remoteInterface.WireName);
        writer.UInt32(method.Id);
        var chain = call.CallChain.Grains;
        writer.Int32(chain.Length);
        foreach (var grain in chain)
        {
            writer.String(grain.Type);
            writer.String(grain.Key);
        }

        writer.Byte((byte)call.Arguments.Count);
        for (int i = 0; i < call.Arguments.Count; i++)
        {
            GrainValueCodec.Write(writer, i == method.CancellationTokenIndex ? null : call.Arguments[i], method.ParameterTypes[i]);
        }

        return ScratchBuffer.ToArrayAndReturn(buffer);
    }

    public static byte[] EncodeManifestRequest() => [Version, (byte)GrainRequestKind.Manifest];

    /// <summary>Reads the version and the request kind.</summary>
    public static GrainRequestKind ReadKind(ref WireReader reader)
    {
        byte version = reader.Byte();
        if (version != Version)
        {
            throw new GrainCallFormatException($"unsupported grain call version {version} (this silo speaks {Version})");
        }

        var kind = (GrainRequestKind)reader.Byte();
        return kind is GrainRequestKind.Call or GrainRequestKind.Manifest
            ? kind
            : throw new GrainCallFormatException($"unknown grain request kind {(byte)kind}");
    }

    /// <summary>Decodes the rest of a call (after <see cref="ReadKind"/>). <paramref name="resolve"/> maps the
    /// grain type and interface name to the interface, or throws <see cref="GrainCallFormatException"/>.
    /// <paramref name="cancellationToken"/> is passed as the method's <see cref="CancellationToken"/> argument, if it has one.
    /// Grain types and interface names found in <paramref name="known"/> are not allocated again.</summary>
    public static (GrainCall Call, RemoteMethod Method) DecodeCall(
        ref WireReader reader, Func<string, string, RemoteInterface> resolve, CancellationToken cancellationToken, WireStringTable? known = null)
    {
        var target = ReadGrainId(ref reader, inChain: false, known);
        var remoteInterface = resolve(target.Type, reader.RequiredString("interface name", known));
        var method = remoteInterface.GetMethod(reader.UInt32());
        int chainLength = reader.Int32();
        if (chainLength < 0 || chainLength > MaxCallChainLength)
        {
            throw new GrainCallFormatException($"a call chain of {chainLength} grains is out of range (0..{MaxCallChainLength})");
        }

        var chain = CallChain.Empty;
        for (int i = 0; i < chainLength; i++)
        {
            chain = chain.Append(ReadGrainId(ref reader, inChain: true, known));
        }

        int count = reader.Byte();
        if (count != method.ParameterTypes.Count)
        {
            throw new GrainCallFormatException($"{remoteInterface.WireName}.{method.Signature} takes {method.ParameterTypes.Count} arguments, the call has {count}");
        }

        var arguments = new object?[count];
        for (int i = 0; i < count; i++)
        {
            if (i == method.CancellationTokenIndex)
            {
                _ = GrainValueCodec.Read(ref reader, typeof(object));
                arguments[i] = cancellationToken;
            }
            else
            {
                arguments[i] = GrainValueCodec.Read(ref reader, method.ParameterTypes[i]);
            }
        }

        reader.EnsureEnd();
        return (new GrainCall(target, remoteInterface.InterfaceType, method.Method, arguments, chain) { RepliesInline = true }, method);
    }

    public static byte[] EncodeValue(object? value, Type? declaredType)
    {
        var buffer = ScratchBuffer.Rent();
        var writer = new WireWriter(buffer);
        writer.Byte(Version);
        writer.Byte(StatusValue);
        GrainValueCodec.Write(writer, value, declaredType ?? typeof(object));
        return ScratchBuffer.ToArrayAndReturn(buffer);
    }

    public static byte[] EncodeException(Exception exception)
    {
        var buffer = ScratchBuffer.Rent();
        var writer = new WireWriter(buffer);
        writer.Byte(Version);
        writer.Byte(StatusException);
        writer.String(RemoteExceptionTranslator.WireTypeName(exception));
        writer.String(exception.Message);
        return ScratchBuffer.ToArrayAndReturn(buffer);
    }

    /// <summary>The result of a call: the value, or the remote exception re-created by <see cref="RemoteExceptionTranslator"/>.</summary>
    public static object? DecodeResult(ReadOnlySequence<byte> payload, Type? declaredType) =>
        DecodeResult(payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray(), declaredType);

    /// <summary>The result of a call: the value, or the remote exception re-created by <see cref="RemoteExceptionTranslator"/>.</summary>
    public static object? DecodeResult(ReadOnlySpan<byte> payload, Type? declaredType)
    {
        var reader = new WireReader(payload);
        ReadResponseHeader(ref reader);
        var value = GrainValueCodec.Read(ref reader, declaredType ?? typeof(object));
        reader.EnsureEnd();
        return value;
    }

    public static byte[] EncodeManifest(IReadOnlyCollection<(string Interface, string GrainType)> entries)
    {
        var buffer = ScratchBuffer.Rent();
        var writer = new WireWriter(buffer);
        writer.Byte(Version);
        writer.Byte(StatusValue);
        writer.Int32(entries.Count);
        foreach (var (name, grainType) in entries)
        {
            writer.String(name);
            writer.String(grainType);
        }

        return ScratchBuffer.ToArrayAndReturn(buffer);
    }

    public static Dictionary<string, string> DecodeManifest(ReadOnlySpan<byte> payload)
    {
        var reader = new WireReader(payload);
        ReadResponseHeader(ref reader);
        int count = reader.Int32();
        // Each entry takes at least 8 bytes (two lengths): a count beyond that is a lie, not a big manifest.
        if (count < 0 || count > reader.Remaining / 8)
        {
            throw new GrainCallFormatException($"a manifest of {count} entries is out of range");
        }

        var manifest = new Dictionary<string, string>(count, StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            manifest[reader.RequiredString("interface name")] = reader.RequiredString("grain type");
        }

        reader.EnsureEnd();
        return manifest;
    }

    /// <summary>Reads the version and status; an exception response is re-raised here.</summary>
    private static void ReadResponseHeader(ref WireReader reader)
    {
        byte version = reader.Byte();
        if (version != Version)
        {
            throw new GrainCallFormatException($"unsupported grain response version {version} (this side speaks {Version})");
        }

        byte status = reader.Byte();
        if (status == StatusException)
        {
            string typeName = reader.RequiredString("exception type");
            string message = reader.String() ?? string.Empty;
            reader.EnsureEnd();
            throw RemoteExceptionTranslator.Recreate(typeName, message);
        }

        if (status != StatusValue)
        {
            throw new GrainCallFormatException($"unknown response status {status}");
        }
    }

    private static GrainId ReadGrainId(ref WireReader reader, bool inChain, WireStringTable? known)
    {
        // Constant descriptions: building them per call would allocate two strings for every grain id read.
        string type = reader.RequiredString(inChain ? "call chain grain type" : "target grain type", known);
        string key = reader.RequiredString(inChain ? "call chain grain key" : "target grain key");
        return string.IsNullOrWhiteSpace(type)
            ? throw new GrainCallFormatException($"the {(inChain ? "call chain grain" : "target grain")} has an empty grain type")
            : new GrainId(type, key);
    }
}
