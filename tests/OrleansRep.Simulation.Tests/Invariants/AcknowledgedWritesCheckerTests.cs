using OrleansRep.Replication;
using OrleansRep.Replication.Inputs;
using OrleansRep.Simulation.Invariants;
using OrleansRep.Simulation.Tests.Support;

namespace OrleansRep.Simulation.Tests.Invariants;

public sealed class AcknowledgedWritesCheckerTests
{
    private readonly AcknowledgedWritesChecker _checker = new();
    private readonly FakeSite _old = new(1) { Role = RepRole.Master, Gen = 1 };
    private readonly FakeSite _next = new(2) { Gen = 1, Master = new SiteId(1) };

    private Storage.Lsn AckOnOldMaster()
    {
        var commit = _old.Append(RecordKind.Commit, writer: 1, n: 1);
        _next.Store.AppendLocal(RecordKind.Commit, commit.Frame);
        _checker.Check(Steps.Of(_old, Steps.Committed(1, 1, commit.Lsn)), [_old, _next]);
        return commit.Lsn;
    }

    private void NextBecomesMaster()
    {
        _old.Role = RepRole.Client;
        _next.Role = RepRole.Master;
        _next.Gen = 2;
    }

    [Fact]
    public void A_later_master_holding_the_acknowledged_write_is_fine()
    {
        AckOnOldMaster();
        NextBecomesMaster();
        _checker.Check(Steps.Of(_next), [_old, _next]);
        Assert.Equal(1, _checker.Acknowledged);
    }

    [Fact]
    public void A_later_master_missing_an_acknowledged_write_is_a_violation()
    {
        var lsn = AckOnOldMaster();
        _next.Store.Crash();
        var fresh = new FakeSite(3) { Role = RepRole.Master, Gen = 2 };
        _old.Role = RepRole.Client;

        var e = Assert.Throws<InvariantViolationException>(() => _checker.Check(Steps.Of(fresh), [_old, _next, fresh]));
        Assert.Contains($"write gen 1 site1 {lsn} was acknowledged but site3, master in gen 2, has no record at {lsn}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_later_master_with_other_bytes_at_the_acknowledged_lsn_is_a_violation()
    {
        var commit = _old.Append(RecordKind.Commit, writer: 1, n: 1);
        _next.Append(RecordKind.Commit, writer: 2, n: 1);
        _checker.Check(Steps.Of(_old, Steps.Committed(1, 1, commit.Lsn)), [_old, _next]);
        NextBecomesMaster();

        var e = Assert.Throws<InvariantViolationException>(() => _checker.Check(Steps.Of(_next), [_old, _next]));
        Assert.Contains("holds a different record", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_old_master_acknowledging_after_a_newer_master_lacks_the_write_is_a_violation()
    {
        NextBecomesMaster();
        _old.Role = RepRole.Master;
        _checker.Check(Steps.Of(_next), [_old, _next]);
        var commit = _old.Append(RecordKind.Commit, writer: 1, n: 9);

        Assert.Throws<InvariantViolationException>(() => _checker.Check(Steps.Of(_old, Steps.Committed(1, 1, commit.Lsn)), [_old, _next]));
    }

    [Fact]
    public void A_master_acknowledging_a_write_it_does_not_have_is_a_violation()
    {
        var e = Assert.Throws<InvariantViolationException>(() => _checker.Check(Steps.Of(_old, Steps.Committed(1, 1, new Storage.Lsn(1, 28))), [_old, _next]));
        Assert.Contains("site1 acknowledged gen 1 site1 [1][28] but has no record there", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AckPolicy.One)]
    [InlineData(AckPolicy.OnePeer)]
    [InlineData(AckPolicy.None)]
    [InlineData(AckPolicy.AllAvailable)]
    public void Policies_that_promise_nothing_across_a_master_change_are_not_checked(AckPolicy policy)
    {
        _old.Options = new ReplicationOptions { AckPolicy = policy };
        AckOnOldMaster();
        _next.Store.Crash();
        var fresh = new FakeSite(3) { Role = RepRole.Master, Gen = 2 };
        _checker.Check(Steps.Of(fresh), [_old, _next, fresh]);
        Assert.Equal(0, _checker.Acknowledged);
    }

    [Fact]
    public void A_generation_begun_by_manual_promotion_is_exempt()
    {
        AckOnOldMaster();
        var promoted = new FakeSite(3) { Gen = 1 };
        _checker.Check(Steps.Of(promoted, new Command(new Promote(PromotionMode.Fast))), [_old, _next, promoted]);
        promoted.Role = RepRole.Master;
        promoted.Gen = 2;
        _checker.Check(Steps.Of(promoted), [_old, _next, promoted]);
    }

    [Fact]
    public void Writes_older_than_a_master_s_first_record_cannot_be_checked_and_are_skipped()
    {
        AckOnOldMaster();
        NextBecomesMaster();
        _next.Store.Carry([new Replication.Actions.StartLogFile(2)]);
        _next.Append(RecordKind.Commit, writer: 2, n: 2);
        _next.Store.ArchiveBefore(2);
        _checker.Check(Steps.Of(_next), [_old, _next]);
    }

    [Fact]
    public void A_master_whose_log_internal_init_left_empty_holds_the_older_writes_in_its_snapshot()
    {
        // Seed 1795: a client's internal init ended at the master's end of log, a crash lost every record after it,
        // and the client became master with an empty log: First is Lsn.Zero, yet what precedes the init point is in
        // the snapshot's pages, not in the log.
        AckOnOldMaster();
        var initialized = new FakeSite(3) { Gen = 1 };
        initialized.Store.Carry([new Replication.Actions.BeginInternalInit(7, _old.Store.LogEnd)]);
        initialized.Store.Crash();
        initialized.Role = RepRole.Master;
        initialized.Gen = 2;
        _old.Role = RepRole.Client;

        _checker.Check(Steps.Of(initialized), [_old, _next, initialized]);
    }

    [Fact]
    public void A_master_with_an_empty_log_from_the_start_is_still_checked()
    {
        var lsn = AckOnOldMaster();
        var fresh = new FakeSite(3) { Role = RepRole.Master, Gen = 2 };
        _old.Role = RepRole.Client;

        var e = Assert.Throws<InvariantViolationException>(() => _checker.Check(Steps.Of(fresh), [_old, _next, fresh]));
        Assert.Contains($"has no record at {lsn}", e.Message, StringComparison.Ordinal);
    }
}
