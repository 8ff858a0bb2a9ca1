using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Simulation.Cluster;
using OrleansRep.Simulation.Sites;

namespace OrleansRep.Simulation.Invariants;

/// <summary>
/// Events come in a legal order (reference sections 4-6), per site: NEWMASTER names another site and comes at most
/// once per gen since the site last started; STARTUPDONE comes only after the site raised NEWMASTER of the same gen
/// (in this or an earlier start: a restarted client that still knows its master need not announce it again), at
/// most once per gen since the site last started; ELECTED comes at most once per election generation (the egen
/// persisted before the step), across restarts too (egen is persisted so that a site never votes twice in one
/// election).
/// </summary>
public sealed class EventSequenceChecker : IInvariantChecker
{
    private readonly Dictionary<SiteId, SiteEvents> _sites = [];

    public string Name => "legal event sequence";

    public void Check(StepRecord record, IReadOnlyList<ISiteView> sites)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(sites);
        var view = sites.First(s => s.Id == record.Site);
        if (!_sites.TryGetValue(view.Id, out var seen))
        {
            seen = new SiteEvents();
            _sites.Add(view.Id, seen);
        }

        if (seen.Incarnation != view.Incarnation)
        {
            seen.Incarnation = view.Incarnation;
            seen.NewMaster.Clear();
            seen.StartupDone.Clear();
        }

        foreach (var action in record.Actions)
        {
            if (action is not EmitEvent { Event: var e })
            {
                continue;
            }

            switch (e.Kind)
            {
                case RepEventKind.NewMaster:
                    if (e.Site.IsNone || e.Site == view.Id)
                    {
                        Fail(record, $"{view.Id} raised NEWMASTER naming {e.Site}");
                    }

                    if (!seen.NewMaster.Add(e.Gen))
                    {
                        Fail(record, $"{view.Id} raised NEWMASTER twice in gen {e.Gen}");
                    }

                    seen.NewMasterEver.Add(e.Gen);

                    break;
                case RepEventKind.StartupDone:
                    if (!seen.NewMasterEver.Contains(e.Gen))
                    {
                        Fail(record, $"{view.Id} raised STARTUPDONE in gen {e.Gen} without NEWMASTER in that gen");
                    }

                    if (!seen.StartupDone.Add(e.Gen))
                    {
                        Fail(record, $"{view.Id} raised STARTUPDONE twice in gen {e.Gen}");
                    }

                    break;
                case RepEventKind.Elected:
                    if (!seen.Elected.Add(record.EgenBefore))
                    {
                        Fail(record, $"{view.Id} raised ELECTED twice in egen {record.EgenBefore}");
                    }

                    break;
            }
        }
    }

    private void Fail(StepRecord record, string detail) => throw new InvariantViolationException(Name, record.Index, record.Time, detail);

    private sealed class SiteEvents
    {
        public int Incarnation { get; set; }

        public HashSet<uint> NewMaster { get; } = [];

        public HashSet<uint> NewMasterEver { get; } = [];

        public HashSet<uint> StartupDone { get; } = [];

        public HashSet<uint> Elected { get; } = [];
    }
}
