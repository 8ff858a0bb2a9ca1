namespace OrleansRep.Grains.Interfaces;

/// <summary>The grain key names a shard or site that does not exist in this cluster.</summary>
public sealed class UnknownShardException : ShardException
{
    public UnknownShardException()
    {
    }

    public UnknownShardException(string message)
        : base(message)
    {
    }

    public UnknownShardException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
