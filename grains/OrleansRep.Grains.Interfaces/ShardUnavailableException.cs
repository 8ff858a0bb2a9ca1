namespace OrleansRep.Grains.Interfaces;

/// <summary>The shard cannot serve the request now (an election is under way, the replica is locked out, starting, or too stale for the read): retry later, with backoff.</summary>
public sealed class ShardUnavailableException : ShardException
{
    public ShardUnavailableException()
    {
    }

    public ShardUnavailableException(string message)
        : base(message)
    {
    }

    public ShardUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
