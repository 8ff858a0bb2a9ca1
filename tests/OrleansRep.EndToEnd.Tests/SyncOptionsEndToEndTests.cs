using System.Text;
using OrleansRep.Client;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Runtime.Transport;
using Xunit.Abstractions;

namespace OrleansRep.EndToEnd.Tests;

/// <summary>
/// The site sync options on real silo processes (issue 6, membership and sync): a site given priority 0 online
/// (<c>orep sites priority</c>) is not elected when the master dies and is electable again once raised; a site started
/// with <c>--delay-client-sync</c> knows the new master but keeps its log behind until <c>orep sync</c>; a site started
/// with <c>--sync-peer N</c> catches up from site N, a client, whose served-requests counter rises.
/// </summary>
public sealed class SyncOptionsEndToEndTests(ITestOutputHelper output)
{
    private const int Shard = 0;

    [Fact]
    public async Task A_priority_zero_site_is_never_elected_and_is_electable_again_once_raised()
    {
        await using var cluster = new SiloCluster(output, shards: 1);
        await cluster.StartAllAsync();
        await using var client = await OrleansRepClient.ConnectAsync(Admin(cluster));
        var first = await cluster.MasterAsync(1, Shard);
        var zero = cluster.SiteIds.First(s => s != first);
        var other = cluster.SiteIds.First(s => s != first && s != zero);

        // What `orep sites priority ZERO 0` calls; every site's group comes to say so.
        Assert.Equal([100], await client.SetPriorityAsync(zero, 0));
        await WaitForPriorityAsync(cluster, zero, 0, cluster.SiteIds);
        var refused = await Assert.ThrowsAsync<RoleChangeRefusedException>(() => client.PromoteAsync(zero, Shard, wait: TimeSpan.FromSeconds(5)));
        Assert.Contains("priority is 0", refused.Message, StringComparison.Ordinal);

        // The master dies: of the two left, only the other site may win.
        var write = await client.PutAsync(KeyOf("before"), "before"u8.ToArray());
        cluster.Kill(first);
        await using var survivors = await OrleansRepClient.ConnectAsync(Admin(cluster, zero, other));
        await WaitForMasterAsync(cluster, other, [zero, other]);
        Assert.NotEqual(RepRole.Master, (await StatusAsync(cluster, zero, zero)).Role);
        Assert.Equal("before", Encoding.UTF8.GetString((await survivors.GetAsync(KeyOf("before"), ReadOptions.AtLeast(write)))!));

        // The dead site returns; the priority-0 site is raised and the returned one lowered, then the master dies:
        // now the raised site is the only one that may win.
        await cluster.StartAsync(first);
        await WaitForMasterAsync(cluster, other, cluster.SiteIds);
        await using var all = await OrleansRepClient.ConnectAsync(Admin(cluster));
        Assert.Equal([0], await all.SetPriorityAsync(zero, 100));
        Assert.Equal([100], await all.SetPriorityAsync(first, 0));
        await WaitForPriorityAsync(cluster, zero, 100, cluster.SiteIds);
        await WaitForPriorityAsync(cluster, first, 0, cluster.SiteIds);
        var second = await all.PutAsync(KeyOf("second"), "second"u8.ToArray());
        cluster.Kill(other);
        await WaitForMasterAsync(cluster, zero, [zero, first]);
        await using var last = await OrleansRepClient.ConnectAsync(Admin(cluster, zero, first));
        Assert.Equal("second", Encoding.UTF8.GetString((await last.GetAsync(KeyOf("second"), ReadOptions.AtLeast(second)))!));
        // It takes writes. (Its only client has priority 0, no electable peer whose ack a QUORUM write could count, and
        // may still be syncing with it: the write asks for no ack.)
        var after = await last.PutAsync(KeyOf("after"), "after"u8.ToArray(), new WriteOptions(AckPolicy.None));
        Assert.Equal(zero, after.Master.Value);
        cluster.Passed();
    }

    [Fact]
    public async Task A_delayed_site_learns_the_new_master_but_keeps_its_log_behind_until_orep_sync()
    {
        await using var cluster = new SiloCluster(output, shards: 1);
        await cluster.StartAllAsync();
        await using var client = await OrleansRepClient.ConnectAsync(Admin(cluster));
        var master = await cluster.MasterAsync(1, Shard);
        var delayed = cluster.SiteIds.First(s => s != master);
        var live = cluster.SiteIds.First(s => s != master && s != delayed);

        // The delayed site restarts with --delay-client-sync, and writes go on while it is down and after it is back.
        await client.PutAsync(KeyOf("before"), "before"u8.ToArray());
        await cluster.TerminateAsync(delayed);
        await client.PutAsync(KeyOf("while-down"), "while down"u8.ToArray());
        cluster.ExtraArguments.Add("--delay-client-sync");
        await cluster.StartAsync(delayed);
        cluster.ExtraArguments.Clear();
        await WaitForMasterAsync(cluster, master, [delayed]);
        var last = await client.PutAsync(KeyOf("after"), "after"u8.ToArray());

        // The other client has the master's log; the delayed one knows the master and still has not taken it.
        var masterEnd = (await StatusAsync(cluster, master, master)).LogEnd;
        await cluster.WaitUntilAsync(async () => (await StatusAsync(cluster, master, live)).LogEnd == masterEnd, () => $"site {live} has the master's log");
        var held = await StatusAsync(cluster, master, delayed);
        output.WriteLine($"delayed site {delayed}: log end {held.LogEnd:X}, master {held.Master}; master's log end {masterEnd:X}");
        Assert.Equal(master, held.Master);
        Assert.True(held.LogEnd < masterEnd, $"the delayed site took the log before `orep sync` ({held.LogEnd:X} vs {masterEnd:X})");

        // What `orep sync --site N --shard 0` calls: the site syncs and catches up; asked again, nothing is held.
        Assert.Equal(new Dictionary<int, bool> { [Shard] = true }, await client.SyncAsync(delayed, Shard));
        await cluster.WaitUntilAsync(async () => (await StatusAsync(cluster, master, delayed)).LogEnd >= masterEnd, () => $"site {delayed} caught up after `orep sync`");
        await using var reader = await OrleansRepClient.ConnectAsync(cluster.ClientOptions(delayed));
        Assert.Equal("after", Encoding.UTF8.GetString((await reader.GetAsync(KeyOf("after"), ReadOptions.AtLeast(last)))!));
        Assert.Equal("while down", Encoding.UTF8.GetString((await reader.GetAsync(KeyOf("while-down"), ReadOptions.AtLeast(last)))!));
        await cluster.WaitUntilAsync(async () => !(await client.SyncAsync(delayed))[Shard], () => $"site {delayed} is live");
        await Assert.ThrowsAsync<UnknownShardException>(() => client.SyncAsync(delayed, 7));
        cluster.Passed();
    }

    [Fact]
    public async Task A_restarted_site_with_a_sync_peer_catches_up_from_that_client()
    {
        const int Master = 1, Peer = 2, Lagging = 3;
        await using var cluster = new SiloCluster(output, shards: 1);

        // Leases off: with leases a client asks a peer only once its start-up is done (Berkeley DB's rule).
        cluster.ExtraArguments.AddRange(["--lease-timeout", "00:00:00"]);
        await cluster.StartAllAsync();
        await using var client = await OrleansRepClient.ConnectAsync(Admin(cluster));

        // Site 1 masters the shard, on every site's word: an election may still run just after start-up (CI saw a
        // client miss the first master's heartbeats and elect site 2 a second later), so promote until all agree.
        await cluster.WaitUntilAsync(async () =>
        {
            var masters = await Task.WhenAll(cluster.SiteIds.Select(site => cluster.MasterAsync(site, Shard)));
            if (masters.All(m => m == Master))
            {
                return true;
            }

            await client.PromoteAsync(Master, Shard);
            return false;
        }, () => $"site {Master} masters shard {Shard} on every site");

        // Site 3 stops; the master logs a good deal meanwhile, which site 2 takes live.
        await cluster.TerminateAsync(Lagging);
        var value = new byte[4096];
        var lastWrite = default(CommitToken);
        for (var i = 0; i < 300; i++)
        {
            lastWrite = await client.PutAsync(KeyOf($"k{i}"), value);
        }

        var masterEnd = (await StatusAsync(cluster, Master, Master)).LogEnd;
        await cluster.WaitUntilAsync(async () => (await StatusAsync(cluster, Master, Peer)).LogEnd == masterEnd, () => $"site {Peer} has the master's log");
        var servedBefore = (await StatusAsync(cluster, Master, Peer)).Counters!.RequestsServed;

        // It returns with --sync-peer 2: it asks site 2, a client, for what it lacks.
        cluster.ExtraArguments.AddRange(["--sync-peer", Peer.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await cluster.StartAsync(Lagging);
        await cluster.WaitUntilAsync(async () => (await StatusAsync(cluster, Master, Lagging)).LogEnd >= masterEnd, () => $"site {Lagging} caught up");
        var peer = await StatusAsync(cluster, Master, Peer);
        output.WriteLine($"site {Peer} (a client) served {peer.Counters!.RequestsServed - servedBefore} requests while site {Lagging} caught up; role {peer.Role}");
        Assert.Equal(RepRole.Client, peer.Role);
        Assert.True(peer.Counters.RequestsServed > servedBefore, $"site {Peer} served no request of site {Lagging}");
        await using var reader = await OrleansRepClient.ConnectAsync(cluster.ClientOptions(Lagging));
        Assert.Equal(value, await reader.GetAsync(KeyOf("k299"), ReadOptions.AtLeast(lastWrite)));
        cluster.Passed();
    }

    private static OrleansRepClientOptions Admin(SiloCluster cluster, params int[] sites)
    {
        var options = cluster.ClientOptions(sites);
        options.Roles = ClientRoles.All;
        return options;
    }

    /// <summary>Replica <paramref name="site"/> of the shard, asked through <paramref name="via"/>'s gateway.</summary>
    private static async Task<ReplicaStatus> StatusAsync(SiloCluster cluster, int via, int site)
    {
        await using var grains = await cluster.ConnectAsync(via);
        return await ShardErrors.Typed(grains.GetGrain<ILogShardGrain>(GrainKeys.Shard(Shard, site)).GetStatus());
    }

    /// <summary>Waits until every one of <paramref name="sites"/> says <paramref name="master"/> is the shard's master
    /// (and it says so itself).</summary>
    private static Task WaitForMasterAsync(SiloCluster cluster, int master, IEnumerable<int> sites) =>
        cluster.WaitUntilAsync(async () =>
        {
            if ((await StatusAsync(cluster, master, master)).Role != RepRole.Master)
            {
                return false;
            }

            foreach (var site in sites)
            {
                if ((await StatusAsync(cluster, site, site)).Master != master)
                {
                    return false;
                }
            }

            return true;
        }, () => $"sites {string.Join(",", sites)} follow master {master}");

    private static Task WaitForPriorityAsync(SiloCluster cluster, int site, int priority, IEnumerable<int> at) =>
        cluster.WaitUntilAsync(async () =>
        {
            foreach (var s in at)
            {
                if ((await StatusAsync(cluster, s, s)).Members.Single(m => m.Site == site).Priority != priority)
                {
                    return false;
                }
            }

            return true;
        }, () => $"sites {string.Join(",", at)} hold site {site} at priority {priority}");

    private static byte[] KeyOf(string name) => Encoding.UTF8.GetBytes("sync-" + name);
}
