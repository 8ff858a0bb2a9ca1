using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Simulation.Invariants;
using OrleansRep.Simulation.Tests.Support;

namespace OrleansRep.Simulation.Tests.Invariants;

public sealed class LogAgreementCheckerTests
{
    private readonly LogAgreementChecker _checker = new();
    private readonly FakeSite _master = new(1) { Role = RepRole.Master, Gen = 2 };
    private readonly FakeSite _client = new(2) { Gen = 2, Master = new SiteId(1) };

    [Fact]
    public void A_synced_client_holding_another_record_than_its_master_is_a_violation()
    {
        _master.Append(RecordKind.Commit, writer: 1, n: 1);
        _client.Append(RecordKind.Commit, writer: 9, n: 1);
        _checker.Check(Steps.Of(_master), [_master, _client]);
        _checker.Check(Steps.Of(_client), [_master, _client]);

        var e = Assert.Throws<InvariantViolationException>(() =>
            _checker.Check(Steps.Of(_client, Steps.Event(RepEventKind.StartupDone, 2)), [_master, _client]));
        Assert.Contains("site2 and site1, both synced in gen 2, hold different records at [1][32]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_difference_appearing_after_sync_is_found_when_the_site_next_steps()
    {
        _master.Append(RecordKind.Commit, writer: 1, n: 1);
        _client.Append(RecordKind.Commit, writer: 1, n: 1);
        _checker.Check(Steps.Of(_master), [_master, _client]);
        _checker.Check(Steps.Of(_client, Steps.Event(RepEventKind.StartupDone, 2)), [_master, _client]);

        _master.Append(RecordKind.Commit, writer: 1, n: 2);
        _checker.Check(Steps.Of(_master), [_master, _client]);
        _client.Append(RecordKind.Commit, writer: 3, n: 2);
        Assert.Throws<InvariantViolationException>(() => _checker.Check(Steps.Of(_client), [_master, _client]));
    }

    [Fact]
    public void A_client_not_yet_synced_or_synced_in_another_gen_may_differ()
    {
        _master.Append(RecordKind.Commit, writer: 1, n: 1);
        _client.Append(RecordKind.Commit, writer: 9, n: 1);
        _checker.Check(Steps.Of(_master), [_master, _client]);
        _checker.Check(Steps.Of(_client), [_master, _client]);

        _client.Gen = 1;
        _checker.Check(Steps.Of(_client, Steps.Event(RepEventKind.StartupDone, 1)), [_master, _client]);
    }

    [Fact]
    public void A_crash_ends_a_site_s_sync_until_it_syncs_again()
    {
        _master.Append(RecordKind.Commit, writer: 1, n: 1);
        _checker.Check(Steps.Of(_master), [_master, _client]);
        _checker.Check(Steps.Of(_client, Steps.Event(RepEventKind.StartupDone, 2)), [_master, _client]);

        _client.Incarnation++;
        _client.Append(RecordKind.Commit, writer: 9, n: 1);
        _checker.Check(Steps.Of(_client), [_master, _client]);
    }

    [Fact]
    public void A_truncated_and_rewritten_tail_is_checked_again()
    {
        var first = _master.Append(RecordKind.Commit, writer: 1, n: 1);
        _client.Append(RecordKind.Commit, writer: 1, n: 1);
        _checker.Check(Steps.Of(_master), [_master, _client]);
        _checker.Check(Steps.Of(_client, Steps.Event(RepEventKind.StartupDone, 2)), [_master, _client]);

        var cut = new TruncateLog(first.Lsn, []);
        _client.Store.Carry([cut]);
        _client.Append(RecordKind.Commit, writer: 7, n: 1);
        Assert.Throws<InvariantViolationException>(() => _checker.Check(Steps.Of(_client, cut), [_master, _client]));
    }
}
