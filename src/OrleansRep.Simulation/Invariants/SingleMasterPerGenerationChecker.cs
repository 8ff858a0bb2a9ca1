using OrleansRep.Replication;
using OrleansRep.Simulation.Cluster;
using OrleansRep.Simulation.Sites;

namespace OrleansRep.Simulation.Invariants;

/// <summary>At most one site is ever master in a given generation (a new master always takes a new gen).</summary>
public sealed class SingleMasterPerGenerationChecker : IInvariantChecker
{
    private readonly Dictionary<uint, SiteId> _masterOf = [];

    public string Name => "one master per generation";

    public void Check(StepRecord record, IReadOnlyList<ISiteView> sites)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(sites);
        foreach (var site in sites)
        {
            if (!site.IsUp || site.Role != RepRole.Master)
            {
                continue;
            }

            if (_masterOf.TryGetValue(site.Gen, out var earlier))
            {
                if (earlier != site.Id)
                {
                    throw new InvariantViolationException(Name, record.Index, record.Time, $"{site.Id} is master in gen {site.Gen}, which {earlier} was master of");
                }
            }
            else
            {
                _masterOf.Add(site.Gen, site.Id);
            }
        }
    }
}
