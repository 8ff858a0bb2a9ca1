namespace OrleansRep.Runtime.Transport;

/// <summary>A call got no answer within its timeout; the server was told to cancel it.</summary>
public sealed class CallTimeoutException : TimeoutException
{
    /// <summary>Creates the exception for a call that waited <paramref name="timeout"/>.</summary>
    public CallTimeoutException(TimeSpan timeout)
        : base($"the call got no response within {timeout}")
    {
        Timeout = timeout;
    }

    /// <summary>Creates the exception with a reason.</summary>
    public CallTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a reason and a cause.</summary>
    public CallTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic reason.</summary>
    public CallTimeoutException()
    {
    }

    /// <summary>How long the call waited.</summary>
    public TimeSpan Timeout { get; }
}
