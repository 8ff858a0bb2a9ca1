using OrleansRep.Client.Tests.Fakes;
using OrleansRep.Grains.Interfaces;
using static OrleansRep.Client.Tests.ClientTestKit;

namespace OrleansRep.Client.Tests;

/// <summary>Reads by consistency (where they may go, what a token guarantees) and scans across shards, on the twin.</summary>
public sealed class ReadTests
{
    [Fact]
    public async Task A_token_reads_your_write_from_a_replica_skipping_one_that_has_not_applied_it()
    {
        var cluster = new FakeCluster();
        await using var client = ClientOn(cluster);
        var key = KeyOf(cluster, 1);
        await client.PutAsync(B(key), B("v0"));
        var master = client.MasterOf(1);
        var behind = master % 3 + 1;
        cluster.HeldBack[behind] = true;
        var token = await client.PutAsync(B(key), B("v1"));

        for (var i = 0; i < 6; i++)
        {
            Assert.Equal("v1", S(await client.GetAsync(B(key), ReadOptions.AtLeast(token))));
        }

        Assert.Contains(cluster.Calls, c => c.Site == behind && c.Method == "read");
        cluster.Release(behind);
        Assert.Equal("v1", cluster.Value(behind, key));
    }

    [Fact]
    public async Task A_token_whose_commit_was_rolled_back_is_reported_as_lost()
    {
        var cluster = new FakeCluster();
        await using var client = ClientOn(cluster);
        var key = KeyOf(cluster, 0);
        await client.PutAsync(B(key), B("kept"));
        var master = client.MasterOf(0);
        var others = Enumerable.Range(1, 3).Where(s => s != master).ToList();
        others.ForEach(s => cluster.HeldBack[s] = true);
        var doomed = await client.PutAsync(B(key), B("lost"), new WriteOptions(Replication.AckPolicy.One));

        cluster.Down[master] = true;
        cluster.Elect(0, others[0]);
        await Assert.ThrowsAsync<CommitTokenLostException>(() => client.GetAsync(B(key), ReadOptions.AtLeast(doomed)));
        Assert.Equal("kept", S(await client.GetAsync(B(key))));
    }

    [Fact]
    public async Task Linearizable_reads_go_to_the_master_and_bounded_reads_skip_a_stale_replica()
    {
        var cluster = new FakeCluster();
        await using var client = ClientOn(cluster);
        var key = KeyOf(cluster, 2);
        await client.PutAsync(B(key), B("v"));
        var master = client.MasterOf(2);

        cluster.Calls.Clear();
        Assert.Equal("v", S(await client.GetAsync(B(key))));
        Assert.Equal([(master, "read")], cluster.Calls);

        var stale = master % 3 + 1;
        cluster.Stale[stale] = true;
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal("v", S(await client.GetAsync(B(key), ReadOptions.AnyReplica(TimeSpan.FromSeconds(1)))));
        }

        Assert.Contains(cluster.Calls, c => c.Site == stale);
        Assert.Equal("v", S(await client.GetAsync(B(key), ReadOptions.AnyReplica())));
    }

    [Fact]
    public async Task A_scan_merges_every_shard_in_key_order_page_by_page()
    {
        var cluster = new FakeCluster();
        await using var client = ClientOn(cluster, o => o.ScanPageSize = 2);
        var keys = Enumerable.Range(0, 40).Select(i => $"{(i % 2 == 0 ? "a" : "b")}{i:D2}").ToList();
        foreach (var k in keys)
        {
            await client.PutAsync(B(k), B("v" + k));
        }

        Assert.True(keys.Select(k => cluster.Map.ShardOf(B(k))).Distinct().Count() == 4, "the keys cover every shard");
        var all = await ToListAsync(client.ScanAsync());
        Assert.Equal(keys.Order(StringComparer.Ordinal), all.Select(p => S(p.Key)));
        Assert.All(all, p => Assert.Equal("v" + S(p.Key), S(p.Value)));

        var prefixed = await ToListAsync(client.ScanAsync(prefix: B("b")));
        Assert.Equal(keys.Where(k => k[0] == 'b').Order(StringComparer.Ordinal), prefixed.Select(p => S(p.Key)));

        var range = await ToListAsync(client.ScanAsync(from: B("a10"), to: B("b05"), options: ReadOptions.AnyReplica()));
        Assert.Equal(["a10", "a12", "a14", "a16", "a18", "a20", "a22", "a24", "a26", "a28", "a30", "a32", "a34", "a36", "a38", "b01", "b03"], range.Select(p => S(p.Key)));
    }

    private static async Task<List<KeyValuePair<byte[], byte[]>>> ToListAsync(IAsyncEnumerable<KeyValuePair<byte[], byte[]>> items)
    {
        var list = new List<KeyValuePair<byte[], byte[]>>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }
}
