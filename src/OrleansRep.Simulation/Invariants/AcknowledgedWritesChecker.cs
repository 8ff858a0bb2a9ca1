using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Simulation.Cluster;
using OrleansRep.Simulation.Sites;
using OrleansRep.Storage;

namespace OrleansRep.Simulation.Invariants;

/// <summary>
/// A write the master answered <see cref="Committed"/> under an ack policy that promises it survives a master change
/// (QUORUM, ALL, ALL_PEERS) is in the log of every later master (a master of a higher generation), with the same
/// bytes. A generation that began with a manual promotion is exempt: an operator may promote a client that lacks
/// acknowledged writes (PostgreSQL's promote gives no such promise). Records older than a master's first log record
/// (archived, or before an internal-init snapshot) cannot be checked from the log and are skipped.
/// </summary>
public sealed class AcknowledgedWritesChecker : IInvariantChecker
{
    private readonly List<(CommitToken Token, ReadOnlyMemory<byte> Frame)> _acked = [];
    private readonly HashSet<(SiteId Site, uint Gen, int Incarnation)> _mastersChecked = [];
    private readonly HashSet<SiteId> _promoting = [];
    private readonly HashSet<uint> _exemptGens = [];

    public string Name => "acknowledged writes survive";

    public int Acknowledged => _acked.Count;

    public static bool Promises(AckPolicy policy) => policy is AckPolicy.Quorum or AckPolicy.All or AckPolicy.AllPeers;

    public void Check(StepRecord record, IReadOnlyList<ISiteView> sites)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(sites);
        if (record.Input is Command { What: Promote })
        {
            _promoting.Add(record.Site);
        }

        var stepper = sites.First(s => s.Id == record.Site);
        foreach (var action in record.Actions)
        {
            if (action is ReplyProposal { Outcome: Committed committed } && Promises(stepper.Options.AckPolicy))
            {
                var token = committed.Token;
                var own = stepper.Store.Read(token.Lsn)
                    ?? throw new InvariantViolationException(Name, record.Index, record.Time, $"{record.Site} acknowledged {token} but has no record there");
                _acked.Add((token, own.Frame));
                foreach (var master in sites.Where(s => s.IsUp && s.Role == RepRole.Master && s.Gen > token.Gen && !_exemptGens.Contains(s.Gen)))
                {
                    Verify(record, master, token, own.Frame);
                }
            }
        }

        foreach (var site in sites)
        {
            if (!site.IsUp || site.Role != RepRole.Master || !_mastersChecked.Add((site.Id, site.Gen, site.Incarnation)))
            {
                continue;
            }

            if (_promoting.Remove(site.Id))
            {
                _exemptGens.Add(site.Gen);
            }

            if (_exemptGens.Contains(site.Gen))
            {
                continue;
            }

            foreach (var (token, frame) in _acked)
            {
                if (token.Gen < site.Gen)
                {
                    Verify(record, site, token, frame);
                }
            }
        }
    }

    private void Verify(StepRecord record, ISiteView master, CommitToken token, ReadOnlyMemory<byte> frame)
    {
        // An empty log (First is Lsn.Zero) that does not start at the beginning of the first file holds nothing
        // before its end: an internal init whose log tail a crash lost leaves the log empty at the init point, and
        // the records before it are in the snapshot's pages, not in the log.
        var first = master.Store.First == Lsn.Zero ? master.Store.LogEnd : master.Store.First;
        if (token.Lsn < first)
        {
            return;
        }

        var there = master.Store.Read(token.Lsn);
        if (there is null)
        {
            throw new InvariantViolationException(Name, record.Index, record.Time,
                $"write {token} was acknowledged but {master.Id}, master in gen {master.Gen}, has no record at {token.Lsn} (log ends at {master.Store.LogEnd})");
        }

        if (!there.Frame.Span.SequenceEqual(frame.Span))
        {
            throw new InvariantViolationException(Name, record.Index, record.Time,
                $"write {token} was acknowledged but {master.Id}, master in gen {master.Gen}, holds a different record at {token.Lsn}");
        }
    }
}
