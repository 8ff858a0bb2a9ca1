using OrleansRep.Replication;
using OrleansRep.Simulation.Sites;

namespace OrleansRep.Simulation.Invariants;

/// <summary>
/// Liveness at the end of a run (after faults stopped, the network healed and a quiet period passed): there is one
/// master, and every site that is up follows it in its gen with the same log (same end, same records where both logs
/// still have them). Returns what is wrong, empty when converged.
/// </summary>
public static class ConvergenceCheck
{
    public static IReadOnlyList<string> Problems(IReadOnlyList<ISiteView> sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        var up = sites.Where(s => s.IsUp).ToList();
        var masters = up.Where(s => s.Role == RepRole.Master).ToList();
        if (masters.Count != 1)
        {
            return [$"{masters.Count} masters among the {up.Count} sites up ({string.Join(", ", masters.Select(m => m.Id))})"];
        }

        var master = masters[0];
        var problems = new List<string>();
        foreach (var site in up.Where(s => s.Id != master.Id))
        {
            if (site.Role != RepRole.Client || site.Master != master.Id || site.Gen != master.Gen)
            {
                problems.Add($"{site.Id} is {site.Role} of {site.Master} in gen {site.Gen}, not client of {master.Id} in gen {master.Gen}");
                continue;
            }

            if (site.Store.LogEnd != master.Store.LogEnd)
            {
                problems.Add($"{site.Id}'s log ends at {site.Store.LogEnd}, the master's at {master.Store.LogEnd}");
                continue;
            }

            if (site.Store.First.IsZero)
            {
                // No record (a log that internal init left empty at the master's end): nothing both logs hold.
                continue;
            }

            var from = site.Store.First > master.Store.First ? site.Store.First : master.Store.First;
            for (var r = master.Store.ReadFrom(from); r is not null; r = master.Store.ReadFrom(LogPositions.After(r)))
            {
                var mine = site.Store.Read(r.Lsn);
                if (mine is null || !mine.SameBytes(r))
                {
                    problems.Add($"{site.Id} differs from the master at {r.Lsn}");
                    break;
                }
            }
        }

        return problems;
    }
}
