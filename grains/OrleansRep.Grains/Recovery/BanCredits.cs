using OrleansRep.Grains.Interfaces;

namespace OrleansRep.Grains.Recovery;

/// <summary>
/// CTDB's culprit credits: a misbehaving site accumulates them; <see cref="Forgive"/> clears a site's credits once it
/// has behaved for the grace period; <see cref="Culprits"/> are the sites at or past the threshold (2 × sites).
/// Pure: the time comes in.
/// </summary>
public sealed class BanCredits(TimeSpan gracePeriod)
{
    private readonly Dictionary<int, (int Credits, DateTimeOffset Last, string Reason)> _sites = [];

    /// <summary>Adds <paramref name="credits"/> to <paramref name="site"/> for <paramref name="reason"/> at <paramref name="now"/>.</summary>
    public void Add(int site, int credits, DateTimeOffset now, string reason)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(credits);
        var total = _sites.TryGetValue(site, out var held) ? held.Credits + credits : credits;
        _sites[site] = (total, now, reason);
    }

    /// <summary>The credits <paramref name="site"/> holds.</summary>
    public int Of(int site) => _sites.TryGetValue(site, out var held) ? held.Credits : 0;

    /// <summary>Every site holding credits, by site id.</summary>
    public IReadOnlyList<SiteBanCredits> All() =>
        [.. _sites.OrderBy(s => s.Key).Select(s => new SiteBanCredits(s.Key, s.Value.Credits, s.Value.Last, s.Value.Reason))];

    /// <summary>Forgets the credits of every site that has not misbehaved for the grace period.</summary>
    public void Forgive(DateTimeOffset now)
    {
        foreach (var site in _sites.Where(s => now - s.Value.Last >= gracePeriod).Select(s => s.Key).ToList())
        {
            _sites.Remove(site);
        }
    }

    /// <summary>Sites holding at least <paramref name="threshold"/> credits, with the last reason they earned one.</summary>
    public IReadOnlyList<(int Site, int Credits, string Reason)> Culprits(int threshold) =>
        [.. _sites.Where(s => s.Value.Credits >= threshold).OrderBy(s => s.Key).Select(s => (s.Key, s.Value.Credits, s.Value.Reason))];

    /// <summary>Clears <paramref name="site"/>'s credits (it was banned).</summary>
    public void Clear(int site) => _sites.Remove(site);

    /// <summary>Clears every site's credits.</summary>
    public void ClearAll() => _sites.Clear();
}
