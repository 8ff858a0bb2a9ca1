using System.Globalization;
using OrleansRep.Runtime.Membership;

namespace OrleansRep.Runtime.Placement;

/// <summary>
/// A consistent-hash ring over a set of silos: each silo takes <see cref="PlacementOptions.VirtualNodesPerSilo"/>
/// points, and a key belongs to the silo owning the first point at or after the key's hash (wrapping around). When a
/// silo joins or leaves, only the keys between its points and their predecessors move; all others stay put.
/// A silo's points are derived from its endpoint, not its generation, so a silo restarted on the same endpoint takes
/// back the same keys. Immutable.
/// </summary>
public sealed class ConsistentHashRing
{
    private readonly ulong[] _points;
    private readonly SiloAddress[] _owners;

    /// <summary>Builds the ring over <paramref name="silos"/> (no two on the same endpoint).</summary>
    /// <exception cref="ArgumentException">Two silos share an endpoint.</exception>
    public ConsistentHashRing(IEnumerable<SiloAddress> silos, int virtualNodesPerSilo)
    {
        ArgumentNullException.ThrowIfNull(silos);
        ArgumentOutOfRangeException.ThrowIfLessThan(virtualNodesPerSilo, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(virtualNodesPerSilo, PlacementOptions.MaxVirtualNodesPerSilo);
        List<SiloAddress> members = [.. silos];
        if (members.Select(s => (s.Host, s.Port)).Distinct().Count() != members.Count)
        {
            throw new ArgumentException("two silos on the ring share an endpoint", nameof(silos));
        }

        var points = new List<(ulong Point, SiloAddress Owner)>(members.Count * virtualNodesPerSilo);
        foreach (SiloAddress silo in members)
        {
            for (int i = 0; i < virtualNodesPerSilo; i++)
            {
                points.Add((StableHash.Of(string.Create(CultureInfo.InvariantCulture, $"{silo.Host}:{silo.Port}#{i}")), silo));
            }
        }

        // Ties (astronomically rare) are broken by address so every silo builds the same ring.
        points.Sort((a, b) => a.Point != b.Point ? a.Point.CompareTo(b.Point) : SiloAddress.Comparer.Compare(a.Owner, b.Owner));
        _points = [.. points.Select(p => p.Point)];
        _owners = [.. points.Select(p => p.Owner)];
        Silos = [.. members.OrderBy(s => s, SiloAddress.Comparer)];
    }

    /// <summary>The silos on the ring, sorted.</summary>
    public IReadOnlyList<SiloAddress> Silos { get; }

    /// <summary>The silo owning <paramref name="key"/>, or null if the ring is empty.</summary>
    public SiloAddress? Owner(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_points.Length == 0)
        {
            return null;
        }

        ulong hash = StableHash.Of(key);
        int index = Array.BinarySearch(_points, hash);
        if (index < 0)
        {
            index = ~index;
        }

        return _owners[index == _points.Length ? 0 : index];
    }
}
