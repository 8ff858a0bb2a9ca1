using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Membership;

namespace OrleansRep.Runtime.Placement;

/// <summary>
/// Decides which silo hosts a grain, from the grain id and a membership view alone (Orleans' placement directors;
/// pure: every silo with the same view and site directory decides the same).
/// <list type="bullet">
/// <item>A site-keyed grain (<see cref="SiteKey"/>) goes to the active silo on its site's endpoint; an unregistered
/// site is an <see cref="UnknownSiteException"/>, a site with no active silo a <see cref="SiloUnavailableException"/>.</item>
/// <item>Every other grain goes to the owner of its id on a <see cref="ConsistentHashRing"/> over the view's active
/// silos; with none active, a <see cref="SiloUnavailableException"/>.</item>
/// </list>
/// The ring is rebuilt only when the set of active silos changes. Thread-safe.
/// </summary>
public sealed class PlacementDirector
{
    private readonly SiteDirectory _sites;
    private readonly int _virtualNodes;
    // The ring and the view it was last checked against: the hot path is one reference comparison.
    private volatile Tuple<MembershipView, ConsistentHashRing> _ring;

    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public PlacementDirector(SiteDirectory sites, PlacementOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sites);
        options ??= new PlacementOptions();
        options.Validate();
        _sites = sites;
        _virtualNodes = options.VirtualNodesPerSilo;
        _ring = Tuple.Create(MembershipView.Empty, new ConsistentHashRing([], _virtualNodes));
    }

    /// <summary>The silo that should host <paramref name="grainId"/> under <paramref name="view"/>.</summary>
    /// <exception cref="UnknownSiteException">The key names a site the directory does not know.</exception>
    /// <exception cref="SiloUnavailableException">No active silo can host the grain.</exception>
    public SiloAddress Place(GrainId grainId, MembershipView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (SiteKey.TryParse(grainId.Key, out int siteId))
        {
            return PlaceOnSite(grainId, siteId, view);
        }

        ConsistentHashRing ring = RingFor(view);
        return ring.Owner(grainId.ToString())
            ?? throw new SiloUnavailableException(grainId.ToString(), null, "no silo is active in the membership view");
    }

    private SiloAddress PlaceOnSite(GrainId grainId, int siteId, MembershipView view)
    {
        if (!_sites.TryGetEndPoint(siteId, out string host, out int port))
        {
            throw new UnknownSiteException(siteId, grainId.ToString());
        }

        foreach (MembershipEntry entry in view.Entries)
        {
            if (entry.Status == SiloStatus.Active && entry.Silo.Port == port && string.Equals(entry.Silo.Host, host, StringComparison.Ordinal))
            {
                return entry.Silo;
            }
        }

        throw new SiloUnavailableException(grainId.ToString(), null, $"site {siteId} ({host}:{port}) has no active silo in the membership view");
    }

    private ConsistentHashRing RingFor(MembershipView view)
    {
        var (checkedView, ring) = _ring;
        if (ReferenceEquals(checkedView, view))
        {
            return ring;
        }

        IReadOnlyList<SiloAddress> active = view.ActiveSilos;
        if (!ring.Silos.SequenceEqual(active))
        {
            ring = new ConsistentHashRing(active, _virtualNodes);
        }

        // Racing updates for different views are harmless: each caller uses a ring of the view it was given.
        _ring = Tuple.Create(view, ring);
        return ring;
    }
}
