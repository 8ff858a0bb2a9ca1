using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using static OrleansRep.Grains.Tests.Shards.ShardCluster;

namespace OrleansRep.Grains.Tests.Shards;

/// <summary>The replicated service on three silos (sites 1..3, two shards), from a client's side: masters, quorum
/// writes with commit tokens, read-your-writes on every site, redirects, failover without losing acknowledged
/// writes, a restarted site catching up, and bad input.</summary>
[Collection(nameof(LogShardGrainTests))]
public sealed class LogShardGrainTests
{
    private static readonly int[] AllSites = [1, 2, 3];

    [Fact]
    public async Task Every_shard_elects_a_master_and_quorum_writes_are_read_back_on_every_site()
    {
        await using var c = await StartAsync();
        for (var shard = 0; shard < ShardCluster.Shards; shard++)
        {
            var master = await c.WaitForMasterAsync(shard, AllSites, "start");
            var tokens = new List<(string Key, byte[] Token)>();
            foreach (var key in c.KeysOf(shard, "k").Take(20))
            {
                var token = await c.PutAsync(shard, master, key, "v-" + key);
                Assert.Equal(CommitToken.Size, token.Length);
                Assert.Equal(master, CommitToken.ReadFrom(token).Master.Value);
                tokens.Add((key, token));
            }

            foreach (var site in AllSites)
            {
                foreach (var (key, token) in tokens)
                {
                    Assert.Equal("v-" + key, await c.ReadAtLeastAsync(shard, site, key, token));
                }
            }

            var client = AllSites.First(s => s != master);
            var refused = await Assert.ThrowsAsync<NotMasterException>(() => c.PutAsync(shard, client, c.KeysOf(shard, "x").First(), "no"));
            Assert.Equal(master, refused.Master);
        }

        c.Passed();
    }

    [Fact]
    public async Task Killing_a_master_elects_another_without_losing_acknowledged_writes_and_the_old_master_catches_up()
    {
        await using var c = await StartAsync();
        const int shard = 0;
        var master = await c.WaitForMasterAsync(shard, AllSites, "start");
        var acked = new Dictionary<string, byte[]>();
        var keys = c.KeysOf(shard, "f").GetEnumerator();
        for (var i = 0; i < 30 && keys.MoveNext(); i++)
        {
            acked[keys.Current] = await c.PutAsync(shard, master, keys.Current, "before-" + keys.Current);
        }

        await c.KillSiteAsync(master);
        int[] survivors = [.. AllSites.Where(s => s != master)];
        var next = await c.WaitForMasterAsync(shard, survivors, $"after killing site {master}");
        Assert.NotEqual(master, next);
        for (var i = 0; i < 30 && keys.MoveNext(); i++)
        {
            acked[keys.Current] = await c.PutAsync(shard, next, keys.Current, "after-" + keys.Current);
        }

        foreach (var site in survivors)
        {
            foreach (var (key, token) in acked)
            {
                Assert.NotNull(await c.ReadAtLeastAsync(shard, site, key, token));
            }
        }

        await c.RestartSiteAsync(master);
        await c.WaitForMasterAsync(shard, AllSites, $"after restarting site {master}");
        var last = c.KeysOf(shard, "g").First();
        acked[last] = await c.PutAsync(shard, next, last, "last");
        foreach (var (key, token) in acked)
        {
            Assert.NotNull(await c.ReadAtLeastAsync(shard, master, key, token));
        }

        var status = await c.Shard(shard, master).GetStatus();
        Assert.Equal(RepRole.Client, status.Role);
        Assert.Equal(next, status.Master);
        c.Passed();
    }

    [Fact]
    public async Task A_killed_master_is_replaced_long_before_the_leases_it_held_would_end()
    {
        // Leases of a minute: the survivors granted them, so without knowing the master's process is gone (its silo
        // refuses connections) they could not vote for 75 s. The test's deadline is 60 s.
        await using var c = await StartAsync(r => r with { LeaseTimeout = TimeSpan.FromMinutes(1) });
        const int shard = 0;
        var master = await c.WaitForMasterAsync(shard, AllSites, "start");
        var key = c.KeysOf(shard, "k").First();
        var token = await c.PutAsync(shard, master, key, "before");
        Assert.True((await c.Shard(shard, master).GetStatus()).HoldsLease);

        await c.KillSiteAsync(master);
        int[] survivors = [.. AllSites.Where(s => s != master)];
        var next = await c.WaitForMasterAsync(shard, survivors, $"after killing site {master}");

        Assert.NotEqual(master, next);
        Assert.NotNull(await c.ReadAtLeastAsync(shard, next, key, token));
        c.Passed();
    }

    [Fact]
    public async Task With_two_of_three_sites_lost_nobody_is_master_and_after_their_restart_a_master_serves_every_acked_write()
    {
        await using var c = await StartAsync();
        const int shard = 1;
        var master = await c.WaitForMasterAsync(shard, AllSites, "start");
        var acked = new Dictionary<string, byte[]>();
        foreach (var key in c.KeysOf(shard, "m").Take(20))
        {
            acked[key] = await c.PutAsync(shard, master, key, key);
        }

        var lost = AllSites.First(s => s != master);
        var survivor = AllSites.First(s => s != master && s != lost);
        // The client first: killed second, it could still vote the survivor in right after the master's death.
        await c.KillSiteAsync(lost);
        await c.KillSiteAsync(master);

        // A lone site of three cannot win an election: it stays a client without a master and refuses writes.
        await c.WaitUntilAsync(async () => (await c.Shard(shard, survivor).GetStatus()).Master == 0, () => $"site {survivor} should forget its master");
        await Assert.ThrowsAsync<ShardUnavailableException>(() => c.PutAsync(shard, survivor, "nobody", "takes it"));

        await c.RestartSiteAsync(master);
        await c.RestartSiteAsync(lost);
        var next = await c.WaitForMasterAsync(shard, AllSites, "after restarting two sites");
        foreach (var site in AllSites)
        {
            foreach (var (key, token) in acked)
            {
                Assert.Equal(key, await c.ReadAtLeastAsync(shard, site, key, token));
            }
        }

        var after = c.KeysOf(shard, "n").First();
        var written = await c.PutAsync(shard, next, after, "after");
        Assert.Equal("after", await c.ReadAtLeastAsync(shard, survivor, after, written));
        c.Passed();
    }

    [Fact]
    public async Task Bad_input_is_a_typed_error_and_the_replica_keeps_working()
    {
        await using var c = await StartAsync();
        const int shard = 1;
        var master = await c.WaitForMasterAsync(shard, AllSites, "start");
        var key = c.KeysOf(shard, "b").First();

        await Assert.ThrowsAsync<KeyTooLargeException>(() => ShardErrors.Typed(c.Shard(shard, master).Put(new byte[5_000], B("v"), AckPolicy.Quorum)));
        await Assert.ThrowsAsync<KeyTooLargeException>(() => ShardErrors.Typed(c.Shard(shard, master).Put([], B("v"), AckPolicy.Quorum)));
        await Assert.ThrowsAsync<UnknownShardException>(() => ShardErrors.Typed(c.Shard(7, 1).GetStatus()));
        await Assert.ThrowsAsync<FormatException>(() => c.Shard(shard, master).Deliver(2, [0, 0, 0, 9, 1, 2, 3]));
        await Assert.ThrowsAsync<FormatException>(() => c.Shard(shard, master).Deliver(99, []));
        await Assert.ThrowsAsync<ArgumentException>(() => c.Shard(shard, master).Batch([1, 2, 3], AckPolicy.Quorum));
        await Assert.ThrowsAsync<ArgumentException>(() => c.Shard(shard, master).Read(B(c.KeysOf(0, "b").First()), ReadConsistency.AnyReplica, 0, null));

        var token = await c.PutAsync(shard, master, key, "still-fine");
        foreach (var site in AllSites)
        {
            Assert.Equal("still-fine", await c.ReadAtLeastAsync(shard, site, key, token));
        }

        c.Passed();
    }
}
