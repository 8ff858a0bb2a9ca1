namespace OrleansRep.Runtime.Transport;

/// <summary>The server refused the handshake (wrong secret, bad credentials) or the handshake could not complete.</summary>
public sealed class HandshakeRejectedException : Exception
{
    /// <summary>Creates the exception with a reason.</summary>
    public HandshakeRejectedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a reason and a cause.</summary>
    public HandshakeRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic reason.</summary>
    public HandshakeRejectedException()
    {
    }
}
