using OrleansRep.Simulation.Cluster;
using OrleansRep.Simulation.Sites;

namespace OrleansRep.Simulation.Invariants;

/// <summary>A safety property checked after every step of every site. A violation throws
/// <see cref="InvariantViolationException"/> naming the checker, the step and what was seen.</summary>
public interface IInvariantChecker
{
    string Name { get; }

    /// <summary>Looks at <paramref name="record"/> (already carried out) and the sites as they are now.</summary>
    void Check(StepRecord record, IReadOnlyList<ISiteView> sites);
}
