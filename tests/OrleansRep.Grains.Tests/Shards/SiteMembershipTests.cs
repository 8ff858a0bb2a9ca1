using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using static OrleansRep.Grains.Tests.Shards.ShardCluster;

namespace OrleansRep.Grains.Tests.Shards;

/// <summary>Sites added to and removed from a running three-site cluster (<see cref="ISiteGrain.AddSite"/>,
/// <see cref="ISiteGrain.RemoveSite"/>): a fourth site syncs every shard and serves reads, quorums count it, removing it
/// leaves a three-site group, and bad input changes nothing.</summary>
[Collection(nameof(LogShardGrainTests))]
public sealed class SiteMembershipTests
{
    private static readonly int[] Founders = [1, 2, 3];
    private static readonly int[] WithFourth = [1, 2, 3, 4];

    [Fact]
    public async Task A_fourth_site_syncs_counts_in_quorums_and_leaves_a_three_site_group_when_removed()
    {
        await using var c = await StartAsync();
        var masters = new Dictionary<int, int>();
        var earlier = new List<(int Shard, string Key, byte[] Token)>();
        for (var shard = 0; shard < ShardCluster.Shards; shard++)
        {
            masters[shard] = await c.WaitForMasterAsync(shard, Founders, "start");
            foreach (var key in c.KeysOf(shard, "before").Take(10))
            {
                earlier.Add((shard, key, await c.PutAsync(shard, masters[shard], key, "v-" + key)));
            }
        }

        // Site 4 starts (joining: no election, no group of its own), then the operator adds it through site 2.
        var fourth = await c.StartAddedSiteAsync(4);
        var endPoint = fourth.EndPoint.ToString();
        await ShardErrors.Typed(c.Site(2).AddSite(4, endPoint, 100));
        await ShardErrors.Typed(c.Site(2).AddSite(4, endPoint, 100)); // again as it is: nothing to do
        for (var shard = 0; shard < ShardCluster.Shards; shard++)
        {
            Assert.Equal(masters[shard], await c.WaitForMasterAsync(shard, WithFourth, "after adding site 4"));
            var onMaster = await c.Shard(shard, masters[shard]).GetStatus();
            Assert.Equal(WithFourth, onMaster.Members.Select(m => m.Site));
            Assert.Equal(endPoint, onMaster.Members.Single(m => m.Site == 4).Address);
            var seen = "";
            await c.WaitUntilAsync(async () =>
            {
                var onFourth = await c.Shard(shard, 4).GetStatus();
                seen = $"version {onFourth.MembershipVersion}, members {string.Join(",", onFourth.Members.Select(m => m.Site))}; master's version {onMaster.MembershipVersion}";
                return onFourth.MembershipVersion == onMaster.MembershipVersion;
            }, () => $"shard {shard} on site 4 has the group's list; seen {seen}");
        }

        // Every earlier write, then new ones, read back on site 4.
        foreach (var (shard, key, token) in earlier)
        {
            Assert.Equal("v-" + key, await c.ReadAtLeastAsync(shard, 4, key, token));
        }

        for (var shard = 0; shard < ShardCluster.Shards; shard++)
        {
            var key = c.KeysOf(shard, "after").First();
            Assert.Equal("new", await c.ReadAtLeastAsync(shard, 4, key, await c.PutAsync(shard, masters[shard], key, "new")));
        }

        var members = (await c.Site(4).GetStatus()).Members;
        await c.WaitUntilAsync(async () => (await c.Site(3).GetStatus()).Members.Count == 4, () => "site 3 records the four members");

        // The group counts four: with site 4 down, a write that wants every site's ack is short of one of three. The
        // machine's quorum is Berkeley DB's (nclients / 2 acks: master + 1 of 4, as of 3; any election, which needs 3 of 4
        // votes, sees the write), so a quorum write still commits.
        var idle = Founders.Except(masters.Values).First();
        var survivor = Founders.Except([idle, masters[0]]).First();
        await c.KillAddedSiteAsync(4);
        var failed = await Assert.ThrowsAsync<DurabilityNotMetException>(() => c.PutAsync(0, masters[0], c.KeysOf(0, "all").First(), "x", AckPolicy.All));
        Assert.Equal((2, 3), (failed.Acks, failed.Needed));
        var quorumKey = c.KeysOf(0, "quorum").First();
        Assert.Equal("q", await c.ReadAtLeastAsync(0, survivor, quorumKey, await c.PutAsync(0, masters[0], quorumKey, "q")));

        // Back up on its endpoint: it rejoins as the member it is.
        await c.StartAddedSiteAsync(4, fourth.EndPoint);
        for (var shard = 0; shard < ShardCluster.Shards; shard++)
        {
            Assert.Equal(masters[shard], await c.WaitForMasterAsync(shard, WithFourth, "after site 4 restarted"));
        }

        Assert.Equal("q", await c.ReadAtLeastAsync(0, 4, quorumKey, await c.PutAsync(0, masters[0], quorumKey, "q")));

        // Removed (through site 4 itself): every master commits a three-site group; site 4's replicas retire.
        await ShardErrors.Typed(c.Site(4).RemoveSite(4));
        for (var shard = 0; shard < ShardCluster.Shards; shard++)
        {
            Assert.Equal(Founders, (await c.Shard(shard, masters[shard]).GetStatus()).Members.Select(m => m.Site));
            await c.WaitUntilAsync(async () => (await c.Shard(shard, 4).GetStatus()).Removed, () => $"shard {shard} on site 4 knows it was removed");
            var (_, key, token) = earlier.First(e => e.Shard == shard);
            await Assert.ThrowsAsync<SiteRemovedException>(() => c.ReadAtLeastAsync(shard, 4, key, token));
        }

        Assert.All((await c.Site(4).GetStatus()).Shards, s => Assert.True(s.Removed));

        // Three sites again: a write wanting every site's ack needs two, and commits.
        for (var shard = 0; shard < ShardCluster.Shards; shard++)
        {
            var key = c.KeysOf(shard, "removed").First();
            Assert.Equal("ok", await c.ReadAtLeastAsync(shard, idle, key, await c.PutAsync(shard, masters[shard], key, "ok", AckPolicy.All)));
        }

        Assert.Equal(4, members.Count);
        c.Passed();
    }

    [Fact]
    public async Task Bad_membership_changes_are_refused_and_change_nothing()
    {
        await using var c = await StartAsync();
        var master = await c.WaitForMasterAsync(0, Founders, "start");
        await c.WaitForMasterAsync(1, Founders, "start");
        var site2 = (await c.Shard(0, 2).GetStatus()).Members.Single(m => m.Site == 2).Address;

        await Assert.ThrowsAsync<SiteChangeRejectedException>(() => ShardErrors.Typed(c.Site(1).RemoveSite(9)));
        await Assert.ThrowsAsync<SiteChangeRejectedException>(() => ShardErrors.Typed(c.Site(1).AddSite(2, "127.0.0.1:1", 100)));
        await Assert.ThrowsAsync<SiteChangeRejectedException>(() => ShardErrors.Typed(c.Site(1).AddSite(5, "not-an-endpoint", 100)));
        await Assert.ThrowsAsync<SiteChangeRejectedException>(() => ShardErrors.Typed(c.Site(1).AddSite(5, "0.0.0.0:4000", 100)));
        await Assert.ThrowsAsync<SiteChangeRejectedException>(() => ShardErrors.Typed(c.Site(1).AddSite(5, "127.0.0.1:4000", -1)));
        var refused = await Assert.ThrowsAsync<SiteChangeRejectedException>(() => ShardErrors.Typed(c.Site(1).RemoveSite(master)));
        Assert.Contains("hand", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<SiteChangeRejectedException>(() => ShardErrors.Typed(c.Shard(0, master).AddSite(2, "127.0.0.1:1", 100)));

        foreach (var site in Founders)
        {
            foreach (var replica in (await c.Site(site).GetStatus()).Shards)
            {
                Assert.Equal(1, replica.MembershipVersion);
                Assert.Equal(Founders, replica.Members.Select(m => m.Site));
                Assert.Equal(site2, replica.Members.Single(m => m.Site == 2).Address);
                Assert.Equal(RepRole.Master == replica.Role, replica.Site == replica.Master);
            }
        }

        Assert.Matches(@"^127\.0\.0\.1:\d+$", site2);
        c.Passed();
    }
}
