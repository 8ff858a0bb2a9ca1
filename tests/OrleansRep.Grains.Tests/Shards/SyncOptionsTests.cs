using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using static OrleansRep.Grains.Tests.Shards.ShardCluster;

namespace OrleansRep.Grains.Tests.Shards;

/// <summary>The sync options at grain level: with DELAYCLIENT a client knows its master but takes no log until
/// <see cref="ILogShardGrain.SyncNow"/>; with NOWAIT a read that would wait for that sync fails at once, typed
/// (<see cref="ShardLockedOutException"/>), instead of waiting out the read timeout; the priority changed online is
/// what the replica's group says, and a bad one is refused.</summary>
[Collection(nameof(LogShardGrainTests))]
public sealed class SyncOptionsTests
{
    private static readonly int[] Sites = [1, 2, 3];

    [Fact]
    public async Task A_delayed_client_with_nowait_refuses_waiting_reads_at_once_until_synced()
    {
        // A read timeout far longer than the test may take: a read that waited would be caught by its duration.
        await using var c = await StartAsync(r => r with { DelayClient = true, NoWait = true }, o => o.ReadWaitTimeout = TimeSpan.FromMinutes(5));
        const int Shard = 0;
        var master = await c.WaitForMasterAsync(Shard, Sites, "start");
        var client = Sites.First(s => s != master);
        var key = c.KeysOf(Shard, "delayed").First();

        // The clients hold their sync: nothing is acknowledged, so the write asks for no acks.
        var token = await c.PutAsync(Shard, master, key, "v1", AckPolicy.None);
        var logEnd = (await c.Shard(Shard, master).GetStatus()).LogEnd;
        Assert.True((await c.Shard(Shard, client).GetStatus()).LogEnd < logEnd, "a delayed client took the master's log");

        var refused = await Assert.ThrowsAsync<ShardLockedOutException>(() => c.ReadAtLeastAsync(Shard, client, key, token));
        Assert.Contains("--nowait", refused.Message, StringComparison.Ordinal);
        Assert.True((await c.Shard(Shard, client).GetStatus()).LogEnd < logEnd, "the refused read changed the replica");

        // rep_sync: the client syncs, then serves the read; a second SyncNow finds nothing held.
        Assert.True(await ShardErrors.Typed(c.Shard(Shard, client).SyncNow()));
        Assert.Equal("v1", await c.ReadAtLeastRetryingAsync(Shard, client, key, token));
        await c.WaitUntilAsync(async () => !await c.Shard(Shard, client).SyncNow(), () => $"site {client} is live after its sync");
        Assert.False(await ShardErrors.Typed(c.Shard(Shard, master).SyncNow()));
        c.Passed();
    }

    [Fact]
    public async Task A_priority_set_online_reaches_the_master_and_a_negative_one_changes_nothing()
    {
        await using var c = await StartAsync();
        const int Shard = 1;
        var master = await c.WaitForMasterAsync(Shard, Sites, "start");
        var client = Sites.First(s => s != master);
        Assert.Equal(100, await ShardErrors.Typed(c.Shard(Shard, client).SetPriority(0)));
        await c.WaitUntilAsync(
            async () => (await c.Shard(Shard, master).GetStatus()).Members.Single(m => m.Site == client).Priority == 0,
            () => $"shard {Shard}'s master (site {master}) knows site {client}'s priority 0");
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ShardErrors.Typed(c.Shard(Shard, client).SetPriority(-1)));
        Assert.Equal(0, await ShardErrors.Typed(c.Shard(Shard, client).SetPriority(50)));
        await c.WaitUntilAsync(
            async () => (await c.Shard(Shard, master).GetStatus()).Members.Single(m => m.Site == client).Priority == 50,
            () => $"shard {Shard}'s master (site {master}) knows site {client}'s priority 50");
        c.Passed();
    }
}
