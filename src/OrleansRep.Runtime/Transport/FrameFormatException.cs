namespace OrleansRep.Runtime.Transport;

/// <summary>A frame broke the wire format (version, kind, flags, length); the connection that sent it is closed.</summary>
public sealed class FrameFormatException : Exception
{
    /// <summary>Creates the exception with a reason.</summary>
    public FrameFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a reason and a cause.</summary>
    public FrameFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic reason.</summary>
    public FrameFormatException()
        : base("malformed frame")
    {
    }
}
