using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Simulation.Cluster;
using OrleansRep.Simulation.Sites;

namespace OrleansRep.Simulation.Invariants;

/// <summary>
/// A commit token the master acknowledged under an ack policy that promises it survives a master change is never
/// judged <see cref="TokenStatus.Lost"/> by a synced site whose log holds that very commit (the same bytes at the
/// token's LSN). A synced site (the master, or a client that raised STARTUPDONE in its current gen since it last
/// started) holds a prefix of its master's log, so the commit is in the group's lineage and will not be undone:
/// "lost, it will never be applied" would be a false answer to a read (the kill -9 soak's false CommitTokenLost: a
/// site down for a whole generation lacked that generation's LSN-history entry). The newest <see cref="TokensKept"/>
/// tokens are kept; a site is checked on the steps that change what it knows (persisted state, events, truncation).
/// Conversely, no site judges a token <see cref="TokenStatus.Applied"/> (which serves an AtLeast read) while its log
/// holds something else at the token's LSN: a client that heard a new master's NEWMASTER but has not verified its log
/// against that master's yet may still hold another lineage's tail there.
/// </summary>
public sealed class TokenJudgementChecker : IInvariantChecker
{
    public const int TokensKept = 512;

    private readonly LinkedList<(CommitToken Token, ReadOnlyMemory<byte> Frame)> _tokens = new();
    private readonly Dictionary<SiteId, (int Incarnation, uint Gen)> _syncedIn = [];

    public string Name => "acknowledged tokens are not judged lost where they are";

    public void Check(StepRecord record, IReadOnlyList<ISiteView> sites)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(sites);
        var site = sites.First(s => s.Id == record.Site);
        var changed = false;
        foreach (var action in record.Actions)
        {
            switch (action)
            {
                case ReplyProposal { Outcome: Committed committed } when AcknowledgedWritesChecker.Promises(site.Options.AckPolicy):
                    if (site.Store.Read(committed.Token.Lsn) is { } own)
                    {
                        _tokens.AddLast((committed.Token, own.Frame));
                        if (_tokens.Count > TokensKept)
                        {
                            _tokens.RemoveFirst();
                        }
                    }

                    break;
                case EmitEvent { Event.Kind: RepEventKind.StartupDone } e when e.Event.Gen == site.Gen:
                    _syncedIn[site.Id] = (site.Incarnation, site.Gen);
                    changed = true;
                    break;
                case PersistState or EmitEvent or TruncateLog:
                    changed = true;
                    break;
            }
        }

        if (!changed || !site.IsUp)
        {
            return;
        }

        var synced = site.Role == RepRole.Master
            || (_syncedIn.TryGetValue(site.Id, out var s) && s.Incarnation == site.Incarnation && s.Gen == site.Gen);
        foreach (var (token, frame) in _tokens)
        {
            var there = site.Store.Read(token.Lsn);
            var holds = there is not null && there.Frame.Span.SequenceEqual(frame.Span);
            var judged = site.CheckApplied(token);
            if (synced && holds && judged == TokenStatus.Lost)
            {
                throw new InvariantViolationException(Name, record.Index, record.Time,
                    $"{site.Id} ({site.Role} gen {site.Gen}) judges {token} lost, but its log holds that commit at {token.Lsn}");
            }

            // The other way round, on every site: "applied" lets a read be served, so the commit must be in this
            // site's log (unless that part of its log is gone: archived, or before an internal init's start).
            if (judged == TokenStatus.Applied && !holds && (there is not null || token.Lsn >= site.Store.LogEnd))
            {
                throw new InvariantViolationException(Name, record.Index, record.Time,
                    $"{site.Id} ({site.Role} gen {site.Gen}) judges {token} applied, but its log holds {(there is null ? "nothing" : "another record")} at {token.Lsn} (log end {site.Store.LogEnd})");
            }
        }
    }
}
