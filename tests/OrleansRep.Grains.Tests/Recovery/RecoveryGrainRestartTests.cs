using OrleansRep.Grains.Interfaces;
using OrleansRep.Grains.Recovery;
using OrleansRep.Grains.Tests.Shards;
using OrleansRep.Replication;
using OrleansRep.Replication.Inputs;

namespace OrleansRep.Grains.Tests.Recovery;

/// <summary>
/// The recovery grain's state in the site's engine, across a crash and restart of the site's silo: a ban that has not
/// ended is still in force (same end, priority 0 on every replica, promotion refused) until it is lifted; a ban that
/// ended while the site was down ends as it starts (priorities restored, UNBANNED in its feed); the map generation and
/// last recovery are the ones the site had.
/// </summary>
[Collection(nameof(LogShardGrainTests))]
public sealed class RecoveryGrainRestartTests
{
    private static readonly int[] AllSites = [1, 2, 3];

    private static Task<ShardCluster> StartAsync() => ShardCluster.StartAsync(silo: b => b.AddRecoveryGrain());

    private static IRecoveryGrain Recovery(ShardCluster c, int site) => c.Grains.GetGrain<IRecoveryGrain>(GrainKeys.Recovery(site));

    [Fact]
    public async Task A_ban_and_the_map_generation_outlive_a_restart_and_the_ban_holds_until_lifted()
    {
        await using var c = await StartAsync();
        var banned = await c.WaitForMasterAsync(0, AllSites, "start");
        await Recovery(c, banned).AcceptRecovery(1, 7, "test recovery under generation 7");

        var view = await Recovery(c, banned).Ban(600, "test ban", 30_000);
        Assert.True(view.Banned);
        var until = Assert.NotNull(view.BannedUntil);
        // The ban's handovers are done when it returns: the site masters nothing.
        Assert.DoesNotContain(view.Shards, s => s.Master == banned);
        await WaitForPriorityAsync(c, banned, 0, "after the ban");

        await c.KillSiteAsync(banned);
        var others = AllSites.Where(s => s != banned).ToList();
        var newMaster = await c.WaitForMasterAsync(0, others, $"site {banned} down");
        Assert.NotEqual(banned, newMaster);
        await c.RestartSiteAsync(banned);

        var restarted = await Recovery(c, banned).GetView();
        Assert.True(restarted.Banned, "the ban is forgotten after a restart");
        Assert.Equal(until, restarted.BannedUntil);
        Assert.Equal("test ban", restarted.BanReason);
        Assert.Equal(7, restarted.MapGeneration);
        Assert.Equal("test recovery under generation 7", restarted.LastRecovery);
        Assert.True(restarted.StartedAt > view.StartedAt, $"start time {restarted.StartedAt:O} not after the first {view.StartedAt:O}");
        await WaitForPriorityAsync(c, banned, 0, "after the restart");
        var refused = await Assert.ThrowsAsync<RoleChangeRefusedException>(() => ShardErrors.Typed(c.Shard(0, banned).Promote(PromotionMode.Fast, 5_000)));
        Assert.Contains("priority is 0", refused.Message, StringComparison.Ordinal);
        // An older map generation than the one kept changes nothing.
        await Recovery(c, banned).AcceptRecovery(1, 6, "late push");
        Assert.Equal(7, (await Recovery(c, banned).GetView()).MapGeneration);

        // Lifted: priorities back, and a restart after that starts unbanned (with the map generation still kept).
        Assert.False((await Recovery(c, banned).Unban("test unban")).Banned);
        await WaitForPriorityAsync(c, banned, 100, "after the unban");
        await c.KillSiteAsync(banned);
        await c.RestartSiteAsync(banned);
        var again = await Recovery(c, banned).GetView();
        Assert.False(again.Banned);
        Assert.Null(again.BannedUntil);
        Assert.Equal(7, again.MapGeneration);
        await WaitForPriorityAsync(c, banned, 100, "after the second restart");
        c.Passed();
    }

    [Fact]
    public async Task A_ban_that_ended_while_the_site_was_down_ends_when_it_starts()
    {
        await using var c = await StartAsync();
        var master = await c.WaitForMasterAsync(0, AllSites, "start");
        var banned = AllSites.First(s => s != master);
        // No recovery daemon runs here: only an unban or the site's start ends a ban.
        var until = Assert.NotNull((await Recovery(c, banned).Ban(1, "short test ban", 30_000)).BannedUntil);
        await WaitForPriorityAsync(c, banned, 0, "after the ban");
        await c.KillSiteAsync(banned);
        await c.WaitUntilAsync(() => Task.FromResult(DateTimeOffset.UtcNow > until), () => $"the clock never passed the ban's end {until:O}");

        await c.RestartSiteAsync(banned);
        var view = await Recovery(c, banned).GetView();
        Assert.False(view.Banned);
        Assert.Null(view.BanReason);
        await WaitForPriorityAsync(c, banned, 100, "after the restart");
        var events = await c.Site(banned).RecentEvents();
        Assert.Contains(events, e => e.Kind == RepEventKind.Unbanned && e.About == banned && e.Detail!.Contains("while the site was down", StringComparison.Ordinal));
        c.Passed();
    }

    [Fact]
    public async Task Bad_input_is_refused_and_changes_nothing()
    {
        await using var c = await StartAsync();
        var site = Recovery(c, 2);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => site.Ban(0, "x", 1_000));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => site.AcceptRecovery(1, -1, "x"));
        var view = await site.GetView();
        Assert.False(view.Banned);
        Assert.Equal(0, view.MapGeneration);
        c.Passed();
    }

    /// <summary>Waits until <paramref name="site"/>'s own replicas all hold <paramref name="priority"/> for it.</summary>
    private static async Task WaitForPriorityAsync(ShardCluster c, int site, int priority, string phase)
    {
        var seen = "";
        await c.WaitUntilAsync(async () =>
        {
            var own = new List<int>();
            for (var shard = 0; shard < ShardCluster.Shards; shard++)
            {
                own.Add((await c.Shard(shard, site).GetStatus()).Members.Single(m => m.Site == site).Priority);
            }

            seen = string.Join(", ", own);
            return own.All(p => p == priority);
        }, () => $"{phase}: site {site}'s replicas do not all hold priority {priority} ({seen})");
    }
}
