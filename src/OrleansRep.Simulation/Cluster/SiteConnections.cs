using OrleansRep.Replication;

namespace OrleansRep.Simulation.Cluster;

/// <summary>
/// Which pairs of sites have a Replication Manager connection (reference section 6). It starts with every pair
/// connected (every site up, no link cut: nothing to report); <see cref="Update"/> recomputes the pairs and returns
/// those that changed, in site order, lower site first.
/// </summary>
internal sealed class SiteConnections
{
    private readonly IReadOnlyList<SiteId> _ids;
    private readonly HashSet<(SiteId A, SiteId B)> _connected = [];

    /// <param name="ids">The sites, in ascending order.</param>
    public SiteConnections(IReadOnlyList<SiteId> ids)
    {
        _ids = ids;
        foreach (var pair in Pairs())
        {
            _connected.Add(pair);
        }
    }

    public bool IsConnected(SiteId a, SiteId b) => _connected.Contains(a < b ? (a, b) : (b, a));

    /// <summary>Sets each pair to <paramref name="isUp"/>(a, b) and returns the pairs that changed with their new state.</summary>
    public List<(SiteId A, SiteId B, bool Up)> Update(Func<SiteId, SiteId, bool> isUp)
    {
        var changed = new List<(SiteId, SiteId, bool)>();
        foreach (var (a, b) in Pairs())
        {
            var up = isUp(a, b);
            if (up == _connected.Contains((a, b)))
            {
                continue;
            }

            if (up)
            {
                _connected.Add((a, b));
            }
            else
            {
                _connected.Remove((a, b));
            }

            changed.Add((a, b, up));
        }

        return changed;
    }

    private IEnumerable<(SiteId A, SiteId B)> Pairs()
    {
        for (var i = 0; i < _ids.Count; i++)
        {
            for (var j = i + 1; j < _ids.Count; j++)
            {
                yield return (_ids[i], _ids[j]);
            }
        }
    }
}
