using OrleansRep.Grains.Interfaces;
using OrleansRep.Grains.Recovery;

namespace OrleansRep.Grains.Tests.Recovery;

/// <summary>The recovery master's decision logic, pure: views and an explicitly advanced clock in, decisions out.</summary>
public sealed class RecoveryLoopTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static readonly RecoveryOptions Fast = new()
    {
        RecoverInterval = TimeSpan.FromSeconds(1),
        RecoveryBanPeriod = TimeSpan.FromSeconds(30),
        RecoveryGracePeriod = TimeSpan.FromSeconds(20),
        DisagreementTimeout = TimeSpan.FromSeconds(3),
        StuckTimeout = TimeSpan.FromSeconds(5),
        RerecoveryTimeout = TimeSpan.FromSeconds(10),
        TakeoverInterval = TimeSpan.FromSeconds(5),
    };

    private DateTimeOffset _now = T0;

    /// <summary>A site's view: started <paramref name="startedSecondsAgo"/> before T0, masters per shard (0: none).</summary>
    private static RecoveryView View(int site, int startedSecondsAgo, int[] masters, bool banned = false, bool stopped = false, int recoveryMaster = 0, long mapGeneration = 0, uint gen = 1) =>
        new(site, T0.AddSeconds(-startedSecondsAgo), banned, banned ? T0.AddSeconds(30) : null, stopped, recoveryMaster, mapGeneration,
            [.. masters.Select((m, s) => new ShardMastership(s, m, gen, 1))],
            [new SiteMember(1, "a", 100), new SiteMember(2, "b", 100), new SiteMember(3, "c", 100)]);

    private static SitePoll[] Polls(params RecoveryView?[] views) => [.. views.Select((v, i) => new SitePoll(i + 1, v, true))];

    [Fact]
    public void The_longest_running_site_wins_ties_go_to_the_larger_id_and_banned_or_stopped_never_win()
    {
        int[] m = [1];
        Assert.Equal(2, RecoveryMasterElection.Winner([View(1, 10, m), View(2, 30, m), View(3, 20, m)]));
        Assert.Equal(3, RecoveryMasterElection.Winner([View(1, 30, m), View(2, 30, m), View(3, 30, m)]));
        Assert.Equal(3, RecoveryMasterElection.Winner([View(1, 10, m), View(2, 30, m, banned: true), View(3, 20, m)]));
        Assert.Equal(1, RecoveryMasterElection.Winner([View(1, 10, m), View(2, 30, m, stopped: true), View(3, 20, m, banned: true)]));
        Assert.Equal(0, RecoveryMasterElection.Winner([View(1, 10, m, banned: true), View(2, 30, m, stopped: true)]));
        Assert.Equal(0, RecoveryMasterElection.Winner([]));
    }

    [Fact]
    public void Every_daemon_elects_the_same_recovery_master_and_only_it_goes_on()
    {
        int[] m = [1, 2, 3];
        var polls = Polls(View(1, 10, m), View(2, 30, m), View(3, 20, m));
        var onSite1 = new RecoveryLoop(1, Fast);
        var onSite2 = new RecoveryLoop(2, Fast);
        var elected1 = Assert.Single(onSite1.Step(_now, polls));
        Assert.Equal(2, Assert.IsType<RecoveryMasterElected>(elected1).Site);
        var decisions2 = onSite2.Step(_now, polls);
        Assert.Equal(2, Assert.IsType<RecoveryMasterElected>(decisions2[0]).Site);
        // The new recovery master finds every site off its map generation (they believe no recovery master): a recovery.
        Assert.Contains(decisions2, d => d is RecoveryStarted { MapGeneration: 1 });
        Assert.Empty(onSite1.Step(_now.AddSeconds(1), polls));

        // Site 2 dies (its poll is unanswered, the membership says it is gone): site 3 is next longest running.
        var without2 = new[] { new SitePoll(1, View(1, 10, m), true), new SitePoll(2, null, false), new SitePoll(3, View(3, 20, m), true) };
        Assert.Equal(3, Assert.IsType<RecoveryMasterElected>(Assert.Single(onSite1.Step(_now.AddSeconds(2), without2))).Site);
    }

    [Fact]
    public void A_new_recovery_master_continues_the_map_generation_from_the_highest_view()
    {
        int[] m = [1];
        var loop = new RecoveryLoop(3, Fast);
        var decisions = loop.Step(_now, Polls(View(1, 1, m, recoveryMaster: 2, mapGeneration: 7), View(2, 1, m, stopped: true, recoveryMaster: 2, mapGeneration: 9), View(3, 50, m, recoveryMaster: 2, mapGeneration: 9)));
        Assert.Equal(3, Assert.IsType<RecoveryMasterElected>(decisions[0]).Site);
        var recovery = Assert.Single(decisions.OfType<RecoveryStarted>());
        Assert.Equal(10, recovery.MapGeneration);
        Assert.Equal([1, 3], recovery.Sites);
    }

    [Fact]
    public void A_disagreement_on_masters_lasting_past_its_timeout_triggers_a_recovery_with_the_reason()
    {
        var loop = Settled(out var agreed);
        // Site 3 believes another master for shard 1 (say it missed a NEWMASTER): tolerated for a while, an election may be under way.
        RecoveryView[] split = [agreed[0], agreed[1], agreed[2] with { Shards = [new ShardMastership(0, 1, 1, 1), new ShardMastership(1, 3, 2, 1), new ShardMastership(2, 3, 1, 1)] }];
        Assert.DoesNotContain(loop.Step(Advance(1), Polls(split)), d => d is RecoveryStarted);
        Assert.DoesNotContain(loop.Step(Advance(1), Polls(split)), d => d is RecoveryStarted);
        Assert.DoesNotContain(loop.Step(Advance(1), Polls(split)), d => d is TakeoverHandover);
        var recovery = Assert.Single(loop.Step(Advance(1), Polls(split)).OfType<RecoveryStarted>());
        Assert.Equal(2, recovery.MapGeneration);
        Assert.Contains("shard 1: site 1 has master 2 gen 1, site 3 master 3 gen 2", recovery.Reason, StringComparison.Ordinal);
        // No second recovery within the rerecovery timeout, even though the disagreement goes on.
        for (var i = 0; i < 8; i++)
        {
            Assert.DoesNotContain(loop.Step(Advance(1), Polls(split)), d => d is RecoveryStarted);
        }
    }

    [Fact]
    public void A_shard_with_no_master_past_the_stuck_timeout_gets_a_recovery_and_an_election()
    {
        var loop = Settled(out var agreed);
        var noMaster = agreed.Select(v => v with { Shards = [new ShardMastership(0, 1, 1, 1), new ShardMastership(1, 0, 1, 1), new ShardMastership(2, 3, 1, 1)] }).ToArray();
        // Seen first at t, still at t + 5 s: not yet past the 5 s timeout.
        for (var i = 0; i < 6; i++)
        {
            Assert.DoesNotContain(loop.Step(Advance(1), Polls(noMaster)), d => d is RecoveryStarted or TakeoverHandover);
        }

        var recovery = Assert.Single(loop.Step(Advance(1), Polls(noMaster)).OfType<RecoveryStarted>());
        Assert.Equal([1], recovery.ShardsToElect);
        Assert.Contains("no master", recovery.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Unanswered_polls_from_a_live_site_earn_credits_and_a_ban_past_twice_the_sites()
    {
        var loop = Settled(out var agreed);
        var silent = new[] { new SitePoll(1, agreed[0], true), new SitePoll(2, agreed[1], true), new SitePoll(3, null, true) };
        var banned = new List<SiteBanned>();
        var rounds = 0;
        while (banned.Count == 0 && rounds++ < 20)
        {
            banned.AddRange(loop.Step(Advance(1), silent).OfType<SiteBanned>());
        }

        // Three missed polls are free, then one credit per poll: the sixth credit (2 × 3 sites) bans it.
        Assert.Equal(9, rounds);
        var ban = Assert.Single(banned);
        Assert.Equal((3, Fast.RecoveryBanPeriod), (ban.Site, ban.Period));
        Assert.Contains("unanswered", ban.Reason, StringComparison.Ordinal);
        Assert.Equal(0, loop.CreditsOf(3));

        // Still silent (the ban waits for the hung site to run again): it earns credits, but no second ban.
        for (var i = 0; i < 12; i++)
        {
            Assert.DoesNotContain(loop.Step(Advance(1), silent), d => d is SiteBanned);
        }

        // It runs again and carries the ban out (its view shows it).
        var bannedView = agreed[2] with { Banned = true, BannedUntil = _now.AddSeconds(30) };
        Assert.DoesNotContain(loop.Step(Advance(1), [new SitePoll(1, agreed[0], true), new SitePoll(2, agreed[1], true), new SitePoll(3, bannedView, true)]), d => d is SiteBanned);
        // Banned, it hangs again: no new ban while the one it showed lasts.
        for (var i = 0; i < 12; i++)
        {
            Assert.DoesNotContain(loop.Step(Advance(1), silent), d => d is SiteBanned);
        }

        // A dead site (not alive by membership) earns nothing.
        var dead = new[] { new SitePoll(1, agreed[0], true), new SitePoll(2, agreed[1], true), new SitePoll(3, null, false) };
        for (var i = 0; i < 20; i++)
        {
            Assert.DoesNotContain(loop.Step(Advance(1), dead), d => d is SiteBanned);
        }

        Assert.Equal(0, loop.CreditsOf(3));
    }

    [Fact]
    public void Credits_are_forgiven_after_the_grace_period_of_good_behaviour()
    {
        var loop = Settled(out var agreed);
        var silent = new[] { new SitePoll(1, agreed[0], true), new SitePoll(2, agreed[1], true), new SitePoll(3, null, true) };
        for (var i = 0; i < 5; i++)
        {
            loop.Step(Advance(1), silent);
        }

        Assert.Equal(2, loop.CreditsOf(3));
        // What the daemon reports in the recovery master's view: who, how many, when last and why.
        var held = Assert.Single(loop.Credits);
        Assert.Equal((3, 2, _now), (held.Site, held.Credits, held.LastAt));
        Assert.Contains("unanswered", held.Reason, StringComparison.Ordinal);
        Assert.Empty(new RecoveryLoop(2, Fast).Credits);
        loop.Step(Advance(1), Polls(agreed));
        Assert.Equal(2, loop.CreditsOf(3));
        loop.Step(Advance(Fast.RecoveryGracePeriod.TotalSeconds - 2), Polls(agreed));
        Assert.Equal(2, loop.CreditsOf(3));
        loop.Step(Advance(1), Polls(agreed));
        Assert.Equal(0, loop.CreditsOf(3));
        Assert.Empty(loop.Credits);
    }

    [Fact]
    public void With_takeover_runs_off_a_banned_sites_masterships_still_move_but_nothing_is_rebalanced()
    {
        var noTakeover = new RecoveryOptions
        {
            RecoveryBanPeriod = Fast.RecoveryBanPeriod,
            RecoveryGracePeriod = Fast.RecoveryGracePeriod,
            RerecoveryTimeout = Fast.RerecoveryTimeout,
            TakeoverInterval = Fast.TakeoverInterval,
            Takeover = false,
        };
        var loop = new RecoveryLoop(1, noTakeover);
        RecoveryView[] piled = [.. new[] { View(1, 30, [2, 2, 2]), View(2, 20, [2, 2, 2]), View(3, 10, [2, 2, 2]) }.Select(v => v with { RecoveryMaster = 1, MapGeneration = 1 })];
        loop.Step(_now, Polls(piled));
        for (var i = 0; i < 10; i++)
        {
            Assert.DoesNotContain(loop.Step(Advance(1), Polls(piled)), d => d is TakeoverHandover);
        }

        // Site 2 is banned (its own handovers failed, say): its shards go, one at a time, to the least loaded site.
        RecoveryView[] banned = [piled[0], piled[1] with { Banned = true, BannedUntil = _now.AddSeconds(300) }, piled[2]];
        var move = Assert.Single(loop.Step(Advance(1), Polls(banned)).OfType<TakeoverHandover>());
        Assert.Equal((0, 2, 1), (move.Shard, move.From, move.To));
        Assert.Contains("banned", move.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_master_killed_and_restarted_again_and_again_is_no_flapping_site()
    {
        // Shard 2's master is killed (no view, not alive), the shard fails over to the other of sites 1 and 3, and the
        // killed site comes back (a new start time): six times in a minute, as the failover test does. Failures, not
        // flapping: no credits and no ban.
        var loop = Settled(out var agreed);
        var decisions = new List<RecoveryDecision>();
        var views = agreed;
        for (var kill = 0; kill < 6; kill++)
        {
            var victim = views[0].Shards[2].Master;
            var survivor = victim == 3 ? 1 : 3;
            var polls = Polls(views);
            polls[victim - 1] = new SitePoll(victim, null, false);
            decisions.AddRange(loop.Step(Advance(1), polls));
            views = Masters(views, [1, 2, survivor]);
            views[victim - 1] = views[victim - 1] with { StartedAt = _now };
            decisions.AddRange(loop.Step(Advance(1), Polls(views)));
        }

        Assert.DoesNotContain(decisions, d => d is SiteBanned);
        Assert.Equal((0, 0), (loop.CreditsOf(1), loop.CreditsOf(3)));
    }

    [Fact]
    public void A_flapping_site_is_banned()
    {
        var loop = Settled(out var agreed);
        var decisions = new List<RecoveryDecision>();
        for (var flap = 0; flap < 2; flap++)
        {
            // Site 3 loses shard 2 (no master) and gets it back, not by the recovery master's hand, three times a round.
            for (var i = 0; i < 3; i++)
            {
                decisions.AddRange(loop.Step(Advance(1), Polls(Masters(agreed, [1, 2, 0]))));
                decisions.AddRange(loop.Step(Advance(1), Polls(agreed)));
            }
        }

        var ban = Assert.Single(decisions.OfType<SiteBanned>());
        Assert.Equal(3, ban.Site);
        Assert.Contains("flapping", ban.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_takeover_run_spreads_writes_measured_from_the_masters_commit_counters()
    {
        // Sites 1, 1, 2, 3 master shards 0-3: by count as even as it gets, but shards 0 and 1 take 500 writes/s each,
        // both on site 1. The loop reads the rates from the masters' counters and splits the two hot shards.
        var loop = new RecoveryLoop(1, Fast);
        int[] masters = [1, 1, 2, 3];
        long[] rates = [500, 500, 5, 5];
        RecoveryView[] Round(int second) => [.. new[] { View(1, 30, masters), View(2, 20, masters), View(3, 10, masters) }.Select(v => v with
        {
            RecoveryMaster = 1,
            MapGeneration = 1,
            Shards = [.. v.Shards.Select(s => s.Master == v.Site ? s with { Commits = rates[s.Shard] * second } : s)],
        })];
        var decisions = new List<RecoveryDecision>();
        for (var second = 0; second <= 6; second++)
        {
            decisions.AddRange(loop.Step(second == 0 ? _now : Advance(1), Polls(Round(second))));
        }

        var move = Assert.Single(decisions.OfType<TakeoverHandover>());
        Assert.Equal((0, 1, 2), (move.Shard, move.From, move.To));
        Assert.Contains("of the writes", move.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_takeover_run_spreads_masterships_one_rate_limited_handover_at_a_time()
    {
        var loop = new RecoveryLoop(1, Fast);
        RecoveryView[] piled = [View(1, 30, [2, 2, 2, 2]), View(2, 20, [2, 2, 2, 2]), View(3, 10, [2, 2, 2, 2])];
        piled = [.. piled.Select(v => v with { RecoveryMaster = 1, MapGeneration = 1 })];
        loop.Step(_now, Polls(piled)); // elected; nothing to recover (everyone is on its generation)
        var first = Assert.Single(loop.Step(Advance(5), Polls(piled)).OfType<TakeoverHandover>());
        Assert.Equal((0, 2, 1), (first.Shard, first.From, first.To));
        // One at a time: nothing more while it runs, nor within the takeover interval after it.
        Assert.Empty(loop.Step(Advance(1), Polls(piled)));
        loop.TakeoverFinished(first, succeeded: true, Advance(0));
        var moved = Masters(piled, [1, 2, 2, 2]);
        // The next waits a takeover interval after the last mastership change too (a settled group).
        Assert.Empty(loop.Step(Advance(1), Polls(moved)));
        Assert.Empty(loop.Step(Advance(4), Polls(moved)));
        var second = Assert.Single(loop.Step(Advance(1), Polls(moved)).OfType<TakeoverHandover>());
        Assert.Equal((1, 2, 3), (second.Shard, second.From, second.To));
        loop.TakeoverFinished(second, succeeded: true, Advance(0));
        // 1, 3, 2, 2: spread (no site has two more than another); the handed-over shards are no flapping.
        Assert.Empty(loop.Step(Advance(10), Polls(Masters(piled, [1, 3, 2, 2]))));
        Assert.Equal(0, loop.CreditsOf(2));
    }

    [Fact]
    public void No_takeover_while_masterships_are_moving()
    {
        var loop = new RecoveryLoop(1, Fast);
        RecoveryView[] piled = [.. new[] { View(1, 30, [2, 2, 2]), View(2, 20, [2, 2, 2]), View(3, 10, [2, 2, 2]) }.Select(v => v with { RecoveryMaster = 1, MapGeneration = 1 })];
        loop.Step(_now, Polls(piled));
        // An operator moves shards every 3 s: the recovery master keeps out of the way.
        int[][] changes = [[1, 2, 2], [2, 2, 2], [3, 2, 2], [2, 2, 2]];
        foreach (var masters in changes)
        {
            Assert.Empty(loop.Step(Advance(3), Polls(Masters(piled, masters))));
        }

        Assert.Single(loop.Step(Advance(5), Polls(Masters(piled, [2, 2, 2]))).OfType<TakeoverHandover>());
    }

    [Fact]
    public void Takeover_planning_moves_a_banned_masters_shards_first_and_never_to_a_banned_or_ineligible_site()
    {
        var masters = new Dictionary<int, int> { [0] = 1, [1] = 1, [2] = 2, [3] = 3 };
        Assert.Equal((0, 1, 2), Strip(TakeoverPlanner.Plan(masters, [1, 2, 3], new HashSet<int> { 1 })));
        Assert.Null(TakeoverPlanner.Plan(masters, [1, 2, 3], new HashSet<int>()));
        var piled = new Dictionary<int, int> { [0] = 1, [1] = 1, [2] = 1, [3] = 1 };
        Assert.Equal((0, 1, 3), Strip(TakeoverPlanner.Plan(piled, [1, 3], new HashSet<int>())));
        Assert.Null(TakeoverPlanner.Plan(piled, [1], new HashSet<int>()));
        Assert.Null(TakeoverPlanner.Plan(piled, [1, 2], new HashSet<int> { 2, 1 }));
        // Without balancing only the moves away from a site that must give its masterships up remain.
        Assert.Null(TakeoverPlanner.Plan(piled, [1, 3], new HashSet<int>(), balance: false));
        Assert.Equal((0, 1, 2), Strip(TakeoverPlanner.Plan(masters, [1, 2, 3], new HashSet<int> { 1 }, balance: false)));
    }

    [Fact]
    public void A_banned_site_whose_ban_is_over_is_unbanned_by_its_own_daemon()
    {
        var loop = new RecoveryLoop(3, Fast);
        int[] m = [1];
        var view = View(3, 10, m, banned: true);
        Assert.DoesNotContain(loop.Step(_now, Polls(View(1, 30, m), View(2, 20, m), view)), d => d is SiteUnbanned);
        Assert.Contains(loop.Step(T0.AddSeconds(30), Polls(View(1, 30, m), View(2, 20, m), view)), d => d is SiteUnbanned { Site: 3 });
    }

    [Fact]
    public void Bad_options_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new RecoveryLoop(1, new RecoveryOptions { RecoverInterval = TimeSpan.Zero }));
        Assert.Throws<ArgumentException>(() => new RecoveryLoop(1, new RecoveryOptions { FlapLimit = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecoveryLoop(0, new RecoveryOptions()));
    }

    private static (int, int, int)? Strip((int Shard, int From, int To, string Why)? plan) => plan is { } p ? (p.Shard, p.From, p.To) : null;

    private static RecoveryView[] Masters(RecoveryView[] views, int[] masters) =>
        [.. views.Select(v => v with { Shards = [.. masters.Select((m, s) => new ShardMastership(s, m, 1, 1))] })];

    private DateTimeOffset Advance(double seconds) => _now = _now.AddSeconds(seconds);

    /// <summary>A loop on site 1, the recovery master, after its first recovery, every site agreeing: masters 1, 2, 3.</summary>
    private RecoveryLoop Settled(out RecoveryView[] agreed)
    {
        var loop = new RecoveryLoop(1, Fast);
        agreed = [View(1, 30, [1, 2, 3]), View(2, 20, [1, 2, 3]), View(3, 10, [1, 2, 3])];
        var recovery = Assert.Single(loop.Step(_now, Polls(agreed)).OfType<RecoveryStarted>());
        agreed = [.. agreed.Select(v => v with { RecoveryMaster = 1, MapGeneration = recovery.MapGeneration })];
        Assert.Empty(loop.Step(Advance(Fast.RerecoveryTimeout.TotalSeconds), Polls(agreed)));
        return loop;
    }
}
