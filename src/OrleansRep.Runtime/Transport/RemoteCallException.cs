using System.Buffers.Binary;
using System.Text;

namespace OrleansRep.Runtime.Transport;

/// <summary>The remote handler threw; carries the remote exception's type name and message.</summary>
public sealed class RemoteCallException : Exception
{
    /// <summary>Creates the exception from the remote type name and message.</summary>
    public RemoteCallException(string remoteTypeName, string message)
        : base(message)
    {
        RemoteTypeName = remoteTypeName;
    }

    /// <summary>Creates the exception with a reason.</summary>
    public RemoteCallException(string message)
        : this("unknown", message)
    {
    }

    /// <summary>Creates the exception with a reason and a cause.</summary>
    public RemoteCallException(string message, Exception innerException)
        : base(message, innerException)
    {
        RemoteTypeName = "unknown";
    }

    /// <summary>Creates the exception with a generic reason.</summary>
    public RemoteCallException()
    {
        RemoteTypeName = "unknown";
    }

    /// <summary>Full name of the exception type the handler threw, e.g. <c>System.InvalidOperationException</c>.</summary>
    public string RemoteTypeName { get; }

    /// <summary>Error frame payload: <c>[type name length: int32][type name UTF-8][message UTF-8]</c>.</summary>
    internal static byte[] Encode(Exception exception)
    {
        string typeName = exception.GetType().FullName ?? exception.GetType().Name;
        int typeLength = Encoding.UTF8.GetByteCount(typeName);
        byte[] payload = new byte[4 + typeLength + Encoding.UTF8.GetByteCount(exception.Message)];
        BinaryPrimitives.WriteInt32LittleEndian(payload, typeLength);
        Encoding.UTF8.GetBytes(typeName, payload.AsSpan(4));
        Encoding.UTF8.GetBytes(exception.Message, payload.AsSpan(4 + typeLength));
        return payload;
    }

    /// <summary>Decodes an error frame payload; a payload that does not parse still yields an exception saying so.</summary>
    internal static RemoteCallException Decode(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 4)
        {
            return new RemoteCallException("unknown", "the remote side sent an unreadable error");
        }

        int typeLength = BinaryPrimitives.ReadInt32LittleEndian(payload);
        if (typeLength < 0 || typeLength > payload.Length - 4)
        {
            return new RemoteCallException("unknown", "the remote side sent an unreadable error");
        }

        return new RemoteCallException(
            Encoding.UTF8.GetString(payload.Slice(4, typeLength)), Encoding.UTF8.GetString(payload[(4 + typeLength)..]));
    }
}
