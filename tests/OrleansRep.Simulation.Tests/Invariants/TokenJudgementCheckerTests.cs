using OrleansRep.Replication;
using OrleansRep.Simulation.Invariants;
using OrleansRep.Simulation.Tests.Support;

namespace OrleansRep.Simulation.Tests.Invariants;

public sealed class TokenJudgementCheckerTests
{
    private readonly TokenJudgementChecker _checker = new();
    private readonly FakeSite _master = new(1) { Role = RepRole.Master, Gen = 15 };
    private readonly FakeSite _client = new(3) { Gen = 17, Master = new SiteId(1), Incarnation = 2 };

    // The master acknowledges a commit; the client's log holds it (same bytes, same LSN), or other bytes there.
    private CommitToken Acknowledge(bool clientHoldsIt = true)
    {
        var commit = _master.Append(RecordKind.Commit, writer: 1, n: 7);
        if (clientHoldsIt)
        {
            _client.Store.AppendLocal(RecordKind.Commit, commit.Frame);
        }
        else
        {
            _client.Append(RecordKind.Commit, writer: 3, n: 7);
        }

        _checker.Check(Steps.Of(_master, Steps.Committed(15, 1, commit.Lsn)), [_master, _client]);
        return new CommitToken(15, new SiteId(1), commit.Lsn);
    }

    // The client finished syncing in its gen (STARTUPDONE), the step on which it is checked.
    private void ClientSynced() =>
        _checker.Check(Steps.Of(_client, Steps.Event(RepEventKind.StartupDone, _client.Gen, 1)), [_master, _client]);

    [Fact]
    public void A_synced_client_judging_a_commit_it_holds_lost_is_a_violation()
    {
        var token = Acknowledge();
        _client.Judge = t => t == token ? TokenStatus.Lost : TokenStatus.Pending;

        var e = Assert.Throws<InvariantViolationException>(ClientSynced);
        Assert.Contains($"site3 (Client gen 17) judges {token} lost, but its log holds that commit at {token.Lsn}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_synced_client_judging_it_applied_or_pending_is_fine()
    {
        var token = Acknowledge();
        _client.Judge = _ => TokenStatus.Applied;
        ClientSynced();
        _client.Judge = _ => TokenStatus.Pending;
        ClientSynced();
        Assert.Equal(TokenStatus.Pending, _client.CheckApplied(token));
    }

    [Fact]
    public void Lost_is_fine_where_the_log_holds_other_bytes_or_the_client_has_not_synced()
    {
        Acknowledge(clientHoldsIt: false);
        _client.Judge = _ => TokenStatus.Lost;
        ClientSynced();

        var unsynced = new FakeSite(2) { Gen = 17, Master = new SiteId(1), Judge = _ => TokenStatus.Lost };
        unsynced.Store.AppendLocal(RecordKind.Commit, _master.Store.Read(_master.Store.First)!.Frame);
        _checker.Check(Steps.Of(unsynced, Steps.Event(RepEventKind.NewMaster, 17, 1)), [_master, _client, unsynced]);
    }
}
