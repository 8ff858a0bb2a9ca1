namespace OrleansRep.Runtime.Transport;

/// <summary>A well-formed frame that the protocol does not allow here (e.g. a call before the handshake); closes the connection.</summary>
public sealed class ProtocolViolationException : Exception
{
    /// <summary>Creates the exception with a reason.</summary>
    public ProtocolViolationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a reason and a cause.</summary>
    public ProtocolViolationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic reason.</summary>
    public ProtocolViolationException()
    {
    }
}
