namespace OrleansRep.Runtime.Placement;

/// <summary>How grains without a site are spread over the live silos.</summary>
public sealed class PlacementOptions
{
    /// <summary>The most virtual nodes a silo may have on the ring (bounds the ring's size).</summary>
    public const int MaxVirtualNodesPerSilo = 1024;

    /// <summary>
    /// Points each silo takes on the consistent-hash ring. More points spread grains more evenly at the price of a
    /// larger ring (silos × points entries). Default 30, as Orleans' consistent ring provider.
    /// </summary>
    public int VirtualNodesPerSilo { get; init; } = 30;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the option out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(VirtualNodesPerSilo, 1, nameof(VirtualNodesPerSilo));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(VirtualNodesPerSilo, MaxVirtualNodesPerSilo, nameof(VirtualNodesPerSilo));
    }
}
