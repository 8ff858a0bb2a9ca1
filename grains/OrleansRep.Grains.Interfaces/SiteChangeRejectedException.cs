namespace OrleansRep.Grains.Interfaces;

/// <summary>A membership change (add or remove a site) was refused before anything changed: bad input (a malformed endpoint, a bad id or priority), a site id that is already a member at another endpoint, a site that is not a member, or the removal of a shard's master (hand over first).</summary>
public sealed class SiteChangeRejectedException : ShardException
{
    public SiteChangeRejectedException()
    {
    }

    public SiteChangeRejectedException(string message)
        : base(message)
    {
    }

    public SiteChangeRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
