using OrleansRep.Grains.Shards;
using OrleansRep.Replication;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Tests.Shards;

/// <summary>
/// The master's retention for lagging clients as a pure computation, with an explicit clock: the oldest acknowledged
/// LSN among clients that made progress within the bound; a client caught up stays fresh while idle; a silent one
/// stops holding after the bound; an unknown one holds the whole log for the bound; nothing off the master, in a new
/// generation's first look, or with bound zero.
/// </summary>
public sealed class ClientLogRetentionTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(10);
    private static readonly SiteId Two = new(2);
    private static readonly SiteId Three = new(3);

    private static TimeSpan At(double minutes) => TimeSpan.FromMinutes(minutes);

    private static (SiteId, Lsn)[] Clients(Lsn two, Lsn three) => [(Two, two), (Three, three)];

    [Fact]
    public void The_oldest_acknowledged_lsn_of_the_clients_is_kept()
    {
        var retention = new ClientLogRetention(Bound);
        retention.Observe(true, 4, Clients(new Lsn(7, 100), new Lsn(3, 900)), maxPermLsn: new Lsn(7, 100), At(0));
        Assert.Equal(new Lsn(3, 900), retention.OldestNeeded(At(1)));
    }

    [Fact]
    public void A_client_silent_for_longer_than_the_bound_stops_holding_files()
    {
        var retention = new ClientLogRetention(Bound);
        retention.Observe(true, 4, Clients(new Lsn(7, 100), new Lsn(3, 900)), new Lsn(7, 100), At(0));

        // Site 3 acknowledges nothing more while the master writes on; site 2 keeps up.
        retention.Observe(true, 4, Clients(new Lsn(9, 50), new Lsn(3, 900)), new Lsn(9, 50), At(6));
        Assert.Equal(new Lsn(3, 900), retention.OldestNeeded(At(10)));      // exactly the bound: still held
        Assert.Equal(new Lsn(9, 50), retention.OldestNeeded(At(10.5)));     // past it: only site 2's position
        retention.Observe(true, 4, Clients(new Lsn(12, 0), new Lsn(3, 900)), new Lsn(12, 0), At(11));
        Assert.Equal(new Lsn(12, 0), retention.OldestNeeded(At(11)));
    }

    [Fact]
    public void A_client_that_acknowledges_again_holds_again_from_its_new_position()
    {
        var retention = new ClientLogRetention(Bound);
        retention.Observe(true, 4, Clients(new Lsn(7, 100), new Lsn(3, 900)), new Lsn(7, 100), At(0));
        retention.Observe(true, 4, Clients(new Lsn(20, 0), new Lsn(5, 10)), new Lsn(20, 0), At(9)); // site 3 moved on (catching up)
        Assert.Equal(new Lsn(5, 10), retention.OldestNeeded(At(18)));        // 9 minutes after its progress: held
        retention.Observe(true, 4, Clients(new Lsn(20, 0), new Lsn(5, 10)), new Lsn(20, 0), At(19.5));
        Assert.Equal(new Lsn(20, 0), retention.OldestNeeded(At(19.5)));
    }

    [Fact]
    public void A_caught_up_client_on_an_idle_master_is_not_stale_when_it_falls_behind_later()
    {
        var retention = new ClientLogRetention(Bound);
        var end = new Lsn(2, 500);
        for (var minute = 0; minute <= 30; minute++)
        {
            retention.Observe(true, 4, Clients(end, end), end, At(minute)); // idle: nothing new to acknowledge
        }

        // Site 3 goes down at minute 30; the master writes on and archives two minutes later.
        retention.Observe(true, 4, Clients(new Lsn(6, 0), end), new Lsn(6, 0), At(32));
        Assert.Equal(end, retention.OldestNeeded(At(32)));
        Assert.Equal(new Lsn(6, 0), retention.OldestNeeded(At(40.5))); // 10 minutes after it was last seen caught up
    }

    [Fact]
    public void A_member_the_master_has_no_ack_from_holds_the_whole_log_within_the_bound()
    {
        var retention = new ClientLogRetention(Bound);
        retention.Observe(true, 5, Clients(new Lsn(8, 10), Lsn.Zero), new Lsn(8, 10), At(0)); // just elected: site 3 silent
        Assert.Equal(ClientLogRetention.WholeLog, retention.OldestNeeded(At(5)));
        retention.Observe(true, 5, Clients(new Lsn(8, 10), Lsn.Zero), new Lsn(8, 10), At(10.1));
        Assert.Equal(new Lsn(8, 10), retention.OldestNeeded(At(10.1)));
    }

    [Fact]
    public void Off_the_master_and_with_bound_zero_nothing_is_held()
    {
        var retention = new ClientLogRetention(Bound);
        retention.Observe(true, 4, Clients(new Lsn(7, 100), new Lsn(3, 900)), new Lsn(7, 100), At(0));
        retention.Observe(false, 4, Clients(Lsn.Zero, Lsn.Zero), Lsn.Zero, At(1)); // demoted: a client holds nothing for others
        Assert.Equal(Lsn.Zero, retention.OldestNeeded(At(1)));

        var none = new ClientLogRetention(TimeSpan.Zero);
        none.Observe(true, 4, Clients(new Lsn(7, 100), new Lsn(3, 900)), new Lsn(7, 100), At(0));
        Assert.Equal(Lsn.Zero, none.OldestNeeded(At(0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClientLogRetention(TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public void A_new_generation_starts_from_what_the_new_master_sees_and_a_removed_member_holds_nothing()
    {
        var retention = new ClientLogRetention(Bound);
        retention.Observe(true, 4, Clients(new Lsn(7, 100), new Lsn(3, 900)), new Lsn(7, 100), At(0));
        retention.Observe(true, 6, Clients(new Lsn(9, 0), new Lsn(8, 0)), new Lsn(9, 0), At(1)); // re-elected in gen 6
        Assert.Equal(new Lsn(8, 0), retention.OldestNeeded(At(1)));

        retention.Observe(true, 6, [(Two, new Lsn(9, 0))], new Lsn(9, 0), At(2)); // site 3 removed from the group
        Assert.Equal(new Lsn(9, 0), retention.OldestNeeded(At(2)));
    }

    [Fact]
    public void A_client_that_would_hold_more_files_than_the_cap_holds_none()
    {
        var retention = new ClientLogRetention(Bound);
        retention.Observe(true, 4, Clients(new Lsn(9, 0), new Lsn(6, 40)), new Lsn(10, 0), At(0));
        Assert.Equal(new Lsn(6, 40), retention.OldestNeeded(At(1), logEnd: new Lsn(10, 0), maxFiles: 4)); // files 6..9: at the cap
        Assert.Equal(new Lsn(9, 0), retention.OldestNeeded(At(1), logEnd: new Lsn(11, 0), maxFiles: 4));  // 6..10: over it
        Assert.Equal(new Lsn(6, 40), retention.OldestNeeded(At(1), logEnd: new Lsn(11, 0), maxFiles: 0)); // no cap
    }
}
