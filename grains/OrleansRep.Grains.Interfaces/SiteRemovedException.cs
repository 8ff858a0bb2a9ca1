namespace OrleansRep.Grains.Interfaces;

/// <summary>This replica's site was removed from the group (LOCAL_SITE_REMOVED): it takes no part any more and serves nothing; its status says so.</summary>
public sealed class SiteRemovedException : ShardException
{
    public SiteRemovedException()
    {
    }

    public SiteRemovedException(string message)
        : base(message)
    {
    }

    public SiteRemovedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
