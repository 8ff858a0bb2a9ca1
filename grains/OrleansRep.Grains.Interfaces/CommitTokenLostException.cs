namespace OrleansRep.Grains.Interfaces;

/// <summary>The commit a read token names was lost in a master change (rolled back): it will never be applied.</summary>
public sealed class CommitTokenLostException : ShardException
{
    public CommitTokenLostException()
    {
    }

    public CommitTokenLostException(string message)
        : base(message)
    {
    }

    public CommitTokenLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
