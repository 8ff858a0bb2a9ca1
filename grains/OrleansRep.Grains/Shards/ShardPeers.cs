using OrleansRep.Replication;

namespace OrleansRep.Grains.Shards;

/// <summary>
/// A replica's links to the other sites of its shard's group (one <see cref="PeerLink"/> each), kept equal to the
/// state machine's membership: <see cref="Reconcile"/> after every step that persisted a new list opens a link to each
/// new member (whose endpoint is first registered, so that its grains can be placed) and completes the link of each
/// removed one (what was queued to it still goes: the removed site is told of its removal on it).
/// </summary>
internal sealed class ShardPeers(SiteId self, ISiteRegistry registry, Func<SiteId, PeerLink> open)
{
    private readonly Dictionary<SiteId, PeerLink> _links = [];
    private readonly HashSet<SiteId> _departed = [];

    public IEnumerable<PeerLink> Values => _links.Values;

    public IEnumerable<SiteId> Keys => _links.Keys;

    public bool ContainsKey(SiteId site) => _links.ContainsKey(site);

    public bool TryGetValue(SiteId site, out PeerLink link) => _links.TryGetValue(site, out link!);

    /// <summary>Whether <paramref name="site"/> was a peer until a membership change removed it (in this activation).</summary>
    public bool HasDeparted(SiteId site) => _departed.Contains(site) && !_links.ContainsKey(site);

    /// <summary>Opens links to the members of <paramref name="sites"/> that have none and returns them (the host tells
    /// its machine each is connected); registers each new member's endpoint when it has a real one.</summary>
    /// <param name="registrationFailed">Hears a member whose endpoint could not be registered (another endpoint is
    /// registered for its id): its link still opens, and calls to it go where the directory says.</param>
    public IReadOnlyList<SiteId> AddMissing(IEnumerable<SiteInfo> sites, Action<SiteInfo, ArgumentException> registrationFailed)
    {
        var added = new List<SiteId>();
        foreach (var site in sites.Where(s => s.Id != self && !_links.ContainsKey(s.Id)))
        {
            if (Interfaces.SiteEndPoint.Normalize(site.Address) is { } endPoint && registry.EndPointOf(site.Id.Value) != endPoint)
            {
                try
                {
                    registry.Register(site.Id.Value, endPoint);
                }
                catch (ArgumentException e)
                {
                    registrationFailed(site, e);
                }
            }

            _links[site.Id] = open(site.Id);
            added.Add(site.Id);
        }

        return added;
    }

    /// <summary>Completes the links of sites not in <paramref name="members"/> (all of them when it is empty: the
    /// replica takes part no more); returns the sites whose links were completed.</summary>
    public IReadOnlyList<SiteId> CompleteRemoved(IReadOnlySet<SiteId> members)
    {
        var removed = _links.Keys.Where(s => !members.Contains(s)).ToList();
        foreach (var site in removed)
        {
            _links.Remove(site, out var link);
            link!.Complete();
            _departed.Add(site);
        }

        return removed;
    }

    /// <summary>Completes every link (deactivation, or this site was removed).</summary>
    public void CompleteAll() => CompleteRemoved(new HashSet<SiteId>());
}
