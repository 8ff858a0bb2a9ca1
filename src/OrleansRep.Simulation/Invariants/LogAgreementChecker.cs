using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Simulation.Cluster;
using OrleansRep.Simulation.Sites;
using OrleansRep.Storage;

namespace OrleansRep.Simulation.Invariants;

/// <summary>
/// No two sites hold different records at one LSN once both finished syncing in the same generation. A site has
/// finished syncing in its current gen when it is that gen's master, or raised STARTUPDONE in that gen since it last
/// started. (Sites of different gens may legitimately differ: a client still on an old master's diverged tail.)
/// Each site's log is checked incrementally, from where the last check ended or from where the log was cut back.
/// Memory is bounded to the records of the newest <see cref="GenerationsKept"/> generations.
/// </summary>
public sealed class LogAgreementChecker : IInvariantChecker
{
    public const int GenerationsKept = 8;

    private readonly SortedDictionary<uint, Dictionary<Lsn, (SiteId Site, ReadOnlyMemory<byte> Frame)>> _byGen = [];
    private readonly Dictionary<SiteId, (int Incarnation, uint Gen)> _syncedIn = [];
    private readonly Dictionary<SiteId, (int Incarnation, uint Gen, Lsn Upto)> _checked = [];

    public string Name => "synced logs agree";

    public void Check(StepRecord record, IReadOnlyList<ISiteView> sites)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(sites);
        var site = sites.First(s => s.Id == record.Site);
        if (!site.IsUp)
        {
            return;
        }

        foreach (var action in record.Actions)
        {
            switch (action)
            {
                case EmitEvent { Event.Kind: RepEventKind.StartupDone } e when e.Event.Gen == site.Gen:
                    _syncedIn[site.Id] = (site.Incarnation, site.Gen);
                    break;
                case TruncateLog truncate when _checked.TryGetValue(site.Id, out var c) && c.Upto > truncate.To:
                    _checked[site.Id] = c with { Upto = truncate.To };
                    break;
                case BeginInternalInit:
                    _checked.Remove(site.Id);
                    break;
            }
        }

        var synced = site.Role == RepRole.Master
            || (_syncedIn.TryGetValue(site.Id, out var s) && s.Incarnation == site.Incarnation && s.Gen == site.Gen);
        if (!synced)
        {
            return;
        }

        var from = _checked.TryGetValue(site.Id, out var done) && done.Incarnation == site.Incarnation && done.Gen == site.Gen ? done.Upto : Lsn.Zero;
        var reference = ReferenceFor(site.Gen);
        for (var r = site.Store.ReadFrom(from > site.Store.First ? from : site.Store.First); r is not null; r = site.Store.ReadFrom(LogPositions.After(r)))
        {
            if (reference.TryGetValue(r.Lsn, out var known))
            {
                if (known.Site != site.Id && !known.Frame.Span.SequenceEqual(r.Frame.Span))
                {
                    throw new InvariantViolationException(Name, record.Index, record.Time,
                        $"{site.Id} and {known.Site}, both synced in gen {site.Gen}, hold different records at {r.Lsn}");
                }

                if (known.Site == site.Id)
                {
                    reference[r.Lsn] = (site.Id, r.Frame);
                }
            }
            else
            {
                reference.Add(r.Lsn, (site.Id, r.Frame));
            }
        }

        _checked[site.Id] = (site.Incarnation, site.Gen, site.Store.LogEnd);
    }

    private Dictionary<Lsn, (SiteId Site, ReadOnlyMemory<byte> Frame)> ReferenceFor(uint gen)
    {
        if (!_byGen.TryGetValue(gen, out var map))
        {
            map = [];
            _byGen.Add(gen, map);
            while (_byGen.Count > GenerationsKept)
            {
                _byGen.Remove(_byGen.Keys.First());
            }
        }

        return map;
    }
}
