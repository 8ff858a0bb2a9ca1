using OrleansRep.Simulation.Cluster;
using OrleansRep.Simulation.Sites;

namespace OrleansRep.Simulation.Invariants;

/// <summary>With master leases, never two sites holding a lease at once (each judged by its own clock as of its latest
/// tick: a lease a site still believes in is one it would serve reads with).</summary>
public sealed class SingleLeaseHolderChecker : IInvariantChecker
{
    public string Name => "one lease holder";

    public void Check(StepRecord record, IReadOnlyList<ISiteView> sites)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(sites);
        var holders = sites.Where(s => s.IsUp && s.HoldsLease).Select(s => s.Id).ToList();
        if (holders.Count > 1)
        {
            throw new InvariantViolationException(Name, record.Index, record.Time, $"{string.Join(" and ", holders)} all hold a master lease");
        }
    }
}
