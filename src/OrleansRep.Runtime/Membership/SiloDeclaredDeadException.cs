namespace OrleansRep.Runtime.Membership;

/// <summary>
/// The cluster has declared this silo incarnation dead. It may not rejoin: as in Orleans it must stop and restart
/// with a new generation.
/// </summary>
public sealed class SiloDeclaredDeadException : Exception
{
    /// <summary>Creates the exception for <paramref name="silo"/>.</summary>
    public SiloDeclaredDeadException(SiloAddress silo)
        : base($"the cluster has declared {silo} dead; restart it with a new generation")
    {
        Silo = silo;
    }

    /// <summary>Creates the exception with a reason.</summary>
    public SiloDeclaredDeadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a reason and a cause.</summary>
    public SiloDeclaredDeadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic reason.</summary>
    public SiloDeclaredDeadException()
    {
    }

    /// <summary>The dead incarnation, when known.</summary>
    public SiloAddress? Silo { get; }
}
