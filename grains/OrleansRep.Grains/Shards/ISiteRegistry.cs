namespace OrleansRep.Grains.Shards;

/// <summary>
/// Where each site's silo listens (its site-to-site endpoint, "ip:port"), as the silo's placement knows it. The grains
/// read it to record real addresses in the group, and register a site that a membership change added, before they
/// call it (placement needs the endpoint of a site-keyed grain's site). The silo provides it over its
/// <c>SiteDirectory</c> (<see cref="SiteDirectoryRegistry"/>).
/// </summary>
public interface ISiteRegistry
{
    /// <summary>The endpoint site <paramref name="site"/> is registered at, as "ip:port"; null when unknown.</summary>
    string? EndPointOf(int site);

    /// <summary>Registers <paramref name="site"/> at <paramref name="endPoint"/> ("ip:port"); the same pair again is a no-op.</summary>
    /// <exception cref="ArgumentException">The endpoint is malformed, or the site is registered at another endpoint.</exception>
    void Register(int site, string endPoint);
}
