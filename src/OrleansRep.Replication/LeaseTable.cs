using System.Diagnostics;
using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// The master's lease grants (Berkeley DB's <c>rep_lease.c</c>): per client, the PERM LSN its grant covers and when
/// the grant expires on the master's clock. A grant echoes the master's send time of a PERM message; the master counts
/// it valid for the lease timeout divided by the clock skew (the client, for its part, multiplies), so the master's
/// view always expires first. Bounded by the group: one entry per member.
/// </summary>
internal sealed class LeaseTable
{
    private readonly Dictionary<SiteId, GrantEntry> _grants = [];

    /// <summary>Records a grant from <paramref name="site"/> for everything up to <paramref name="lsn"/>, made for the
    /// PERM message the master sent at <paramref name="masterTime"/>; keeps the later expiry and the higher LSN.</summary>
    public void Grant(SiteId site, Lsn lsn, long masterTime, long leaseMicros, double clockSkew)
    {
        Debug.Assert(clockSkew >= 1.0, "clock skew is fast/slow");
        var expires = masterTime + (long)(leaseMicros / clockSkew);
        if (_grants.TryGetValue(site, out var old))
        {
            // A late grant for an older message must not shorten a newer one, nor lower the LSN already covered.
            expires = Math.Max(expires, old.Expires);
            lsn = lsn > old.Lsn ? lsn : old.Lsn;
        }

        _grants[site] = new GrantEntry(lsn, expires);
    }

    /// <summary>Whether at least <paramref name="needed"/> of <paramref name="members"/> hold unexpired grants at
    /// <paramref name="now"/> covering <paramref name="maxPermLsn"/>.</summary>
    public bool Holds(IEnumerable<SiteId> members, Lsn maxPermLsn, long now, int needed)
    {
        var valid = 0;
        foreach (var site in members)
        {
            if (_grants.TryGetValue(site, out var g) && g.Expires > now && g.Lsn >= maxPermLsn)
            {
                valid++;
            }
        }

        return valid >= needed;
    }

    /// <summary>The latest expiry among current grants (for diagnostics and tests), or 0.</summary>
    public long ExpiryOf(SiteId site) => _grants.TryGetValue(site, out var g) ? g.Expires : 0;

    public void Clear() => _grants.Clear();

    private readonly record struct GrantEntry(Lsn Lsn, long Expires);
}
