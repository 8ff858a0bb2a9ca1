namespace OrleansRep.Runtime.Remote;

/// <summary>
/// A remote grain method threw an exception whose type is not one the caller re-creates (see
/// <see cref="RemoteExceptionTranslator"/>): the remote type's full name and message are kept, the stack and any
/// inner exceptions are not (they describe the remote process).
/// </summary>
public sealed class RemoteGrainException : Exception
{
    public RemoteGrainException()
    {
        RemoteTypeName = "unknown";
    }

    public RemoteGrainException(string message)
        : base(message)
    {
        RemoteTypeName = "unknown";
    }

    public RemoteGrainException(string message, Exception innerException)
        : base(message, innerException)
    {
        RemoteTypeName = "unknown";
    }

    public RemoteGrainException(string remoteTypeName, string message)
        : base(message)
    {
        RemoteTypeName = remoteTypeName;
    }

    /// <summary>The full name of the exception type the remote grain threw, e.g. <c>MyApp.QuotaExceededException</c>.</summary>
    public string RemoteTypeName { get; }

    public override string ToString() => $"{RemoteTypeName} (remote): {Message}";
}
