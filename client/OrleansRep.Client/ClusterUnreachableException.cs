namespace OrleansRep.Client;

/// <summary>No gateway of the cluster could be reached (or none answered in time): check the addresses, that the
/// sites run, and the secret.</summary>
public sealed class ClusterUnreachableException : Exception
{
    public ClusterUnreachableException()
    {
    }

    public ClusterUnreachableException(string message)
        : base(message)
    {
    }

    public ClusterUnreachableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
