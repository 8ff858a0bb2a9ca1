namespace OrleansRep.Runtime.Core;

/// <summary>
/// The silo's per-grain-type counters (<see cref="GrainTypeStatistics"/>): activations, calls and call latency, counted
/// by the activations as they run. One per silo, as <see cref="Silo.Statistics"/> and as a service for grains and hosts.
/// </summary>
public sealed class GrainStatistics
{
    private readonly GrainRegistry _registry;

    internal GrainStatistics(GrainRegistry registry) => _registry = registry;

    /// <summary>Every registered grain type's counters as of now, by grain type name.</summary>
    public IReadOnlyList<GrainTypeCounts> Snapshot() =>
        [.. _registry.Registrations.Select(r => r.Statistics.Snapshot()).OrderBy(c => c.GrainType, StringComparer.Ordinal)];
}
