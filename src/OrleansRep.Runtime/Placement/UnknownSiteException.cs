namespace OrleansRep.Runtime.Placement;

/// <summary>A grain key names a site that the <see cref="SiteDirectory"/> does not know: the call cannot be placed and nothing was activated.</summary>
public sealed class UnknownSiteException : Exception
{
    /// <summary>Creates the exception for the grain <paramref name="grain"/> keyed to <paramref name="siteId"/>.</summary>
    public UnknownSiteException(int siteId, string grain)
        : base($"grain {grain} names site {siteId}, which is not a registered site")
    {
        SiteId = siteId;
    }

    public UnknownSiteException()
    {
    }

    public UnknownSiteException(string message)
        : base(message)
    {
    }

    public UnknownSiteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The site the key named.</summary>
    public int SiteId { get; }
}
