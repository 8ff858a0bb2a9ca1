using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Grains.Shards;
using OrleansRep.Replication;
using OrleansRep.Runtime.Streams;
using static OrleansRep.Grains.Tests.Shards.ShardCluster;

namespace OrleansRep.Grains.Tests.Shards;

/// <summary>The rest of the client-facing surface on a three-site cluster: read consistencies, atomic batches, paged
/// scans, a durability that cannot be met, site and election status, and the site's event feed.</summary>
[Collection(nameof(LogShardGrainTests))]
public sealed class ShardServiceTests
{
    private static readonly int[] AllSites = [1, 2, 3];

    [Fact]
    public async Task Reads_follow_their_consistency_and_batches_and_scans_see_one_shard()
    {
        await using var c = await StartAsync();
        const int shard = 0;
        var master = await c.WaitForMasterAsync(shard, AllSites, "start");
        var client = AllSites.First(s => s != master);
        var keys = c.KeysOf(shard, "p").Take(5).ToList();
        var batch = KeyValueCodec.EncodeBatch([.. keys.Select(k => new BatchOperation(B(k), B("v" + k))), new BatchOperation(B(keys[0]), null)]);
        var token = await ShardErrors.Typed(c.Shard(shard, master).Batch(batch, AckPolicy.All));

        // Linearizable: the master once it holds its lease; a client redirects.
        await c.WaitUntilAsync(async () => await ShardErrors.Typed(c.Shard(shard, master).Read(B(keys[1]), ReadConsistency.Linearizable, 0, null)) is not null, () => "a linearizable read on the master");
        var redirect = await Assert.ThrowsAsync<NotMasterException>(() => ShardErrors.Typed(c.Shard(shard, client).Read(B(keys[1]), ReadConsistency.Linearizable, 0, null)));
        Assert.Equal(master, redirect.Master);

        // AtLeast on a client: the whole batch or nothing; the deleted key is gone.
        Assert.Equal("v" + keys[1], await c.ReadAtLeastAsync(shard, client, keys[1], token));
        Assert.Null(await c.ReadAtLeastAsync(shard, client, keys[0], token));

        // AnyReplica: a client that heard from its master within the bound serves; the data is there (AtLeast above).
        await c.WaitUntilAsync(async () => await ShardErrors.Typed(c.Shard(shard, client).Read(B(keys[2]), ReadConsistency.AnyReplica, 5_000, null)) is not null, () => "an AnyReplica read on a client");

        // A paged prefix scan on a client returns exactly the live keys, in order, two at a time.
        var seen = new List<string>();
        var from = Array.Empty<byte>();
        do
        {
            var page = KeyValueCodec.DecodePage(await ShardErrors.Typed(c.Shard(shard, client).Scan(from, [], B("p-"), 2, ReadConsistency.AtLeast, 0, token)));
            Assert.InRange(page.Items.Count, 0, 2);
            seen.AddRange(page.Items.Select(p => Encoding.UTF8.GetString(p.Key)));
            from = page.Next ?? [];
        }
        while (from.Length > 0);

        Assert.Equal(keys.Skip(1).Order(StringComparer.Ordinal), seen);

        // A key of the other shard is refused for the whole batch.
        var stray = KeyValueCodec.EncodeBatch([new BatchOperation(B(c.KeysOf(1, "p").First()), B("x")), new BatchOperation(B(keys[1]), B("changed"))]);
        await Assert.ThrowsAsync<ArgumentException>(() => c.Shard(shard, master).Batch(stray, AckPolicy.Quorum));
        Assert.Equal("v" + keys[1], await c.ReadAtLeastAsync(shard, master, keys[1], token));
        c.Passed();
    }

    [Fact]
    public async Task A_durability_that_cannot_be_met_is_reported_with_its_token_and_quorum_still_commits()
    {
        await using var c = await StartAsync();
        const int shard = 1;
        var master = await c.WaitForMasterAsync(shard, AllSites, "start");
        var down = AllSites.First(s => s != master);
        var up = AllSites.First(s => s != master && s != down);
        await c.KillSiteAsync(down);

        var key = c.KeysOf(shard, "d").First();
        var notMet = await Assert.ThrowsAsync<DurabilityNotMetException>(() => c.PutAsync(shard, master, key, "all", AckPolicy.All));
        Assert.Equal(master, notMet.Token.Master.Value);
        Assert.True(notMet.Acks < notMet.Needed, $"{notMet.Acks} of {notMet.Needed}");

        var quorum = await c.PutAsync(shard, master, key, "quorum");
        Assert.Equal("quorum", await c.ReadAtLeastAsync(shard, up, key, quorum));
        Assert.Contains((await c.Site(master).RecentEvents()), e => e.Kind == RepEventKind.PermFailed && e.Shard == shard);
        c.Passed();
    }

    [Fact]
    public async Task Site_and_election_status_and_the_event_feed_show_the_shards()
    {
        await using var c = await StartAsync();
        var masters = new int[ShardCluster.Shards];
        for (var shard = 0; shard < ShardCluster.Shards; shard++)
        {
            masters[shard] = await c.WaitForMasterAsync(shard, AllSites, "start");
        }

        var status = await c.Site(1).GetStatus();
        Assert.Equal([1, 2, 3], status.Members.Select(m => m.Site));
        Assert.Equal([0, 1], status.Shards.Select(s => s.Shard));
        Assert.All(status.Shards, s => Assert.Equal(masters[s.Shard], s.Master));

        var election = await c.Grains.GetGrain<IElectionGrain>(GrainKeys.Election(0, 2)).GetStatus();
        Assert.Equal((0, 2, masters[0], masters[0] == 2), (election.Shard, election.Site, election.Master, election.IsMaster));
        Assert.True(election.Egen > election.Gen, $"egen {election.Egen} should be past gen {election.Gen}");

        var events = await c.Site(masters[0]).RecentEvents();
        Assert.Contains(events, e => e.Kind == RepEventKind.Master && e.Shard == 0 && e.Site == masters[0]);

        // The stream: a subscriber rewinding to the first token sees what the site raised.
        var feed = c.Cluster.Silo(masters[0] - 1).Silo.Services.GetRequiredService<SiteEventLog>().Stream;
        var seen = new TaskCompletionSource<SiteEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        await feed.SubscribeAsync(new Observer(e => { if (e.Kind == RepEventKind.Master) { seen.TrySetResult(e); } }), StreamSequenceToken.First);
        Assert.Equal(masters[0], (await seen.Task.WaitAsync(Deadline)).Site);
        c.Passed();
    }

    private sealed class Observer(Action<SiteEvent> onNext) : IAsyncObserver<SiteEvent>
    {
        public Task OnNextAsync(SiteEvent item, StreamSequenceToken token)
        {
            onNext(item);
            return Task.CompletedTask;
        }

        public Task OnCompletedAsync() => Task.CompletedTask;

        public Task OnErrorAsync(Exception ex) => Task.CompletedTask;
    }
}
