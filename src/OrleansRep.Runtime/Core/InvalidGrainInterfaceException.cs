namespace OrleansRep.Runtime.Core;

/// <summary>A grain interface has a member the runtime cannot call remotely (thrown when a reference is made).</summary>
public sealed class InvalidGrainInterfaceException : Exception
{
    public InvalidGrainInterfaceException()
    {
    }

    public InvalidGrainInterfaceException(string message)
        : base(message)
    {
    }

    public InvalidGrainInterfaceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
