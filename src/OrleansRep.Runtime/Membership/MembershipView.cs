using System.Collections.Immutable;

namespace OrleansRep.Runtime.Membership;

/// <summary>
/// A versioned snapshot of the cluster: one entry per endpoint (its latest known incarnation), sorted by address.
/// Immutable; every change makes a new view with a larger version.
/// </summary>
/// <remarks>
/// Merge rules. A bare "newest version wins" loses updates: two seeds that each admit a joiner at version 5 both make
/// a version 6, and whichever view won, the other joiner would vanish. So the merge is per entry
/// (<see cref="MembershipEntry.Merge"/>: newer generation, then more advanced status, then the union of votes), which
/// converges whatever the order of exchanges, and the version orders the results: the merge takes the larger version
/// when its content equals a view that carries that version, and one more than the larger version otherwise (it is
/// newer than both). So a silo's version never decreases, and a change of content always raises it.
/// </remarks>
public sealed class MembershipView
{
    /// <summary>Creates a view; throws <see cref="ArgumentException"/> for a negative version or two entries for one endpoint.</summary>
    public MembershipView(long version, IEnumerable<MembershipEntry> entries)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentNullException.ThrowIfNull(entries);
        ImmutableArray<MembershipEntry> sorted = [.. entries.OrderBy(e => e.Silo, SiloAddress.Comparer)];
        for (int i = 1; i < sorted.Length; i++)
        {
            if (sorted[i].Silo.SameEndpoint(sorted[i - 1].Silo))
            {
                throw new ArgumentException($"two entries for the endpoint of {sorted[i].Silo}", nameof(entries));
            }
        }

        Version = version;
        Entries = sorted;
    }

    /// <summary>The empty view at version 0.</summary>
    public static MembershipView Empty { get; } = new(0, []);

    /// <summary>Orders views: larger is newer.</summary>
    public long Version { get; }

    /// <summary>The entries, sorted by silo address.</summary>
    public ImmutableArray<MembershipEntry> Entries { get; }

    /// <summary>The silos whose status is <see cref="SiloStatus.Active"/>, sorted.</summary>
    public IReadOnlyList<SiloAddress> ActiveSilos => [.. Entries.Where(e => e.Status == SiloStatus.Active).Select(e => e.Silo)];

    /// <summary>The entry for the endpoint of <paramref name="silo"/> (of whatever generation), or null.</summary>
    public MembershipEntry? FindEndpoint(SiloAddress silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        foreach (MembershipEntry entry in Entries)
        {
            if (entry.Silo.SameEndpoint(silo))
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>
    /// The status of exactly this incarnation: <see cref="SiloStatus.Dead"/> if the view says so or knows a newer
    /// generation on the same endpoint; null if the view does not know the endpoint or knows only an older generation.
    /// </summary>
    public SiloStatus? StatusOf(SiloAddress silo)
    {
        MembershipEntry? entry = FindEndpoint(silo);
        if (entry is null || entry.Silo.Generation < silo.Generation)
        {
            return null;
        }

        return entry.Silo.Generation > silo.Generation ? SiloStatus.Dead : entry.Status;
    }

    /// <summary>True if this incarnation is dead in this view (declared so, or superseded by a newer generation).</summary>
    public bool IsDead(SiloAddress silo) => StatusOf(silo) == SiloStatus.Dead;

    /// <summary>This view with <paramref name="entry"/> merged in (see <see cref="MembershipEntry.Merge"/>); the same view if nothing changed, else the next version.</summary>
    public MembershipView With(MembershipEntry entry) => Merge(this, new MembershipView(Version, [entry]));

    /// <summary>Merges two views by the rules in the remarks.</summary>
    public static MembershipView Merge(MembershipView a, MembershipView b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var merged = a.Entries.ToDictionary(e => (e.Silo.Host, e.Silo.Port));
        foreach (MembershipEntry entry in b.Entries)
        {
            (string, int) key = (entry.Silo.Host, entry.Silo.Port);
            merged[key] = merged.TryGetValue(key, out MembershipEntry? mine) ? MembershipEntry.Merge(mine, entry) : entry;
        }

        long top = Math.Max(a.Version, b.Version);
        var result = new MembershipView(top, merged.Values);
        if ((a.Version == top && result.ContentEquals(a)) || (b.Version == top && result.ContentEquals(b)))
        {
            return a.Version == top && result.ContentEquals(a) ? a : b;
        }

        return new MembershipView(top + 1, result.Entries);
    }

    /// <summary>True if both views hold the same entries (versions aside).</summary>
    public bool ContentEquals(MembershipView other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Entries.Length == other.Entries.Length && Entries.Zip(other.Entries).All(p => p.First.ContentEquals(p.Second));
    }

    /// <summary>True if both views list the same silos with the same statuses (votes aside): what <see cref="MembershipAgent.MembershipChanged"/> reports.</summary>
    public bool SameMembership(MembershipView other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Entries.Length == other.Entries.Length
            && Entries.Zip(other.Entries).All(p => p.First.Silo == p.Second.Silo && p.First.Status == p.Second.Status);
    }

    /// <inheritdoc/>
    public override string ToString() => $"v{Version} [{string.Join(", ", Entries)}]";
}
