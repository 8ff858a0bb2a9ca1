namespace OrleansRep.Runtime.Remote;

/// <summary>
/// A grain call or result payload does not follow <see cref="GrainCallCodec"/>'s layout: truncated, an unknown
/// version or tag, a length out of range, an argument of the wrong type, or an interface, method or grain type the
/// receiving silo does not know. The call is refused; the connection and the silo carry on.
/// </summary>
public sealed class GrainCallFormatException : Exception
{
    public GrainCallFormatException()
    {
    }

    public GrainCallFormatException(string message)
        : base(message)
    {
    }

    public GrainCallFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
