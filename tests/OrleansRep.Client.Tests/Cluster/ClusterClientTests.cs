using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Runtime.Transport;
using System.Diagnostics;
using Xunit.Abstractions;
using static OrleansRep.Client.Tests.ClientTestKit;

namespace OrleansRep.Client.Tests.Cluster;

/// <summary>The client against the real grains on three in-process sites: the whole data path, status and events, and
/// a master killed under writes.</summary>
[Collection(nameof(ClusterClientTests))]
public sealed class ClusterClientTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Data_status_and_events_through_the_gateways_of_three_real_sites()
    {
        await using var sites = await SiteCluster.StartAsync();
        await using var client = await sites.ConnectAsync();
        Assert.Equal([1, 2, 3], client.Sites);

        // The first writes wait out the first elections (ShardUnavailable, redirects) by themselves.
        var tokens = new Dictionary<string, CommitToken>();
        // A linearizable read right after the write: the master's lease is refreshed only by acknowledged commits.
        foreach (var key in Enumerable.Range(0, 12).Select(i => $"user/{i:D2}"))
        {
            tokens[key] = await SiteCluster.PutAckedAsync(client, key, "v-" + key);
            Assert.Equal("v-" + key, S(await client.GetAsync(B(key))));
        }

        foreach (var (key, token) in tokens)
        {
            Assert.Equal("v-" + key, S(await client.GetAsync(B(key), ReadOptions.AtLeast(token))));
        }

        var deleted = await SiteCluster.AckedAsync(() => client.DeleteAsync(B("user/03")));
        Assert.Null(await client.GetAsync(B("user/03"), ReadOptions.AtLeast(deleted)));
        var shard0 = tokens.Keys.Where(k => client.Map.ShardOf(B(k)) == 0).Take(2).ToList();
        var batch = await SiteCluster.AckedAsync(() => client.BatchAsync([new BatchOperation(B(shard0[0]), B("batched")), new BatchOperation(B(shard0[1]), null)], new WriteOptions(AckPolicy.All)));
        Assert.Equal("batched", S(await client.GetAsync(B(shard0[0]), ReadOptions.AtLeast(batch))));

        var expected = tokens.Keys.Where(k => k != "user/03" && k != shard0[1]).Order(StringComparer.Ordinal).ToList();
        var scanned = new List<string>();
        await WaitUntilAsync(async () =>
        {
            scanned.Clear();
            await foreach (var pair in client.ScanAsync(prefix: B("user/"), options: ReadOptions.AnyReplica()))
            {
                scanned.Add(S(pair.Key));
            }

            return scanned.SequenceEqual(expected);
        }, () => $"a prefix scan gives {string.Join(",", expected)}; seen {string.Join(",", scanned)}; {sites.Where}");

        var status = await client.GetStatusAsync();
        Assert.All(status.Sites, s => Assert.True(s.Healthy, $"site {s.Site}: {s.Error}"));
        Assert.Equal([0, 1], status.Shards);
        foreach (var shard in status.Shards)
        {
            var master = status.MasterOf(shard)!;
            Assert.All(status.Replicas.Where(r => r.Shard == shard), r => Assert.Equal(master.Site, r.Master));
            Assert.Equal(master.Site, client.MasterOf(shard));
        }

        using var stop = new CancellationTokenSource(Deadline);
        var kinds = new HashSet<RepEventKind>();
        await foreach (var e in client.WatchEventsAsync(includeRecent: true, stop.Token))
        {
            kinds.Add(e.Kind);
            if (kinds.Contains(RepEventKind.Elected) && kinds.Contains(RepEventKind.NewMaster))
            {
                break;
            }
        }

        var wrong = sites.Options();
        wrong.Secret = new byte[32];
        await Assert.ThrowsAsync<HandshakeRejectedException>(() => OrleansRepClient.ConnectAsync(wrong));
        sites.Passed();
    }

    [Fact]
    public async Task A_killed_master_is_replaced_and_no_acknowledged_write_is_lost()
    {
        await using var sites = await SiteCluster.StartAsync();
        await using var client = await sites.ConnectAsync();
        var keys = Enumerable.Range(0, int.MaxValue).Select(i => $"f{i}").Where(k => client.Map.ShardOf(B(k)) == 1).Take(40).ToList();
        var acked = new Dictionary<string, CommitToken>();
        foreach (var key in keys.Take(10))
        {
            acked[key] = await SiteCluster.PutAckedAsync(client, key, key);
        }

        var oldMaster = client.MasterOf(1);
        var deadGateway = (System.Net.IPEndPoint)sites.Cluster.Silo(oldMaster - 1).EndPoint;
        await sites.KillSiteAsync(oldMaster);
        var failover = Stopwatch.StartNew();
        foreach (var key in keys.Skip(10))
        {
            acked[key] = await SiteCluster.PutAckedAsync(client, key, key);
            if (key == keys[10])
            {
                output.WriteLine($"site {oldMaster} killed: the first write was acknowledged by site {acked[key].Master.Value} after {failover.ElapsedMilliseconds} ms");
            }
        }

        var newMaster = client.MasterOf(1);
        Assert.NotEqual(oldMaster, newMaster);
        Assert.Equal(newMaster, acked[keys[^1]].Master.Value);
        // The last write's token covers the shard's earlier commits: a replica that applied it has every acknowledged write.
        foreach (var key in keys)
        {
            Assert.True(key == S(await client.GetAsync(B(key), ReadOptions.AtLeast(acked[keys[^1]]))), $"{key} (acknowledged as {acked[key]}) is lost after site {oldMaster} died; {sites.Where}");
        }

        var status = await client.GetStatusAsync();
        Assert.False(status.Sites.Single(s => s.Site == oldMaster).Healthy);

        // The dead site's address now behaves like a gateway still starting: it accepts and closes at once. The client
        // was admitted there before, so that is no wrong secret: the site is reported unhealthy and retried later,
        // and writes go on, instead of every later call failing with the refusal.
        using var starting = new System.Net.Sockets.TcpListener(deadGateway);
        starting.Start();
        using var stop = new CancellationTokenSource();
        var closer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var accepted = await starting.AcceptTcpClientAsync(stop.Token);
            }
        });
        for (var i = 0; i < 3; i++)
        {
            status = await client.GetStatusAsync();
            Assert.False(status.Sites.Single(s => s.Site == oldMaster).Healthy);
            await SiteCluster.PutAckedAsync(client, $"after-{i}", "x");
        }

        await stop.CancelAsync();
        try
        {
            await closer; // ends with the loop's check, or cancelled inside an accept: either way it must end
        }
        catch (OperationCanceledException)
        {
        }
        sites.Passed();
    }
}
