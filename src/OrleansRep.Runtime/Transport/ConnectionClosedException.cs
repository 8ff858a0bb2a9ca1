namespace OrleansRep.Runtime.Transport;

/// <summary>The connection ended (closed by the peer, failed, or disposed) before the operation completed.</summary>
public sealed class ConnectionClosedException : Exception
{
    /// <summary>Creates the exception with a reason.</summary>
    public ConnectionClosedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a reason and a cause.</summary>
    public ConnectionClosedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic reason.</summary>
    public ConnectionClosedException()
    {
    }
}
