using System.Collections.Concurrent;
using System.Net;

namespace OrleansRep.Runtime.Placement;

/// <summary>
/// Which endpoint each replication site's silo listens on (the architecture's "site id plus a host:port address").
/// Placement resolves a site-keyed grain to the live incarnation of its site's endpoint in the membership view, so a
/// site that restarts on the same endpoint keeps its grains. Thread-safe; sites may be added while the cluster runs
/// (<c>orep sites add</c>); a site id is bound to one endpoint for good (site ids are never reused).
/// </summary>
public sealed class SiteDirectory
{
    private readonly ConcurrentDictionary<int, (string Host, int Port)> _sites = new();

    /// <summary>The number of registered sites.</summary>
    public int Count => _sites.Count;

    /// <summary>Registers site <paramref name="siteId"/> at <paramref name="endPoint"/>; registering the same pair again is a no-op.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The site id is not positive.</exception>
    /// <exception cref="ArgumentException">The site id is already bound to another endpoint.</exception>
    public void Register(int siteId, IPEndPoint endPoint)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(siteId, 1);
        ArgumentNullException.ThrowIfNull(endPoint);
        var entry = (endPoint.Address.ToString(), endPoint.Port);
        var bound = _sites.GetOrAdd(siteId, entry);
        if (bound != entry)
        {
            throw new ArgumentException($"site {siteId} is already bound to {bound.Host}:{bound.Port}, not {endPoint}", nameof(siteId));
        }
    }

    /// <summary>The endpoint of <paramref name="siteId"/>, if registered.</summary>
    public bool TryGetEndPoint(int siteId, out string host, out int port)
    {
        bool found = _sites.TryGetValue(siteId, out var entry);
        (host, port) = entry;
        return found;
    }
}
