using OrleansRep.Grains.Interfaces;

namespace OrleansRep.Client;

/// <summary>Site sync options changed at run time: a site's election priority, and starting a delayed client's sync
/// (Berkeley DB's <c>rep_set_priority</c> and <c>rep_sync</c>). Both need the Admin role.</summary>
public sealed partial class OrleansRepClient
{
    /// <summary>
    /// Sets site <paramref name="site"/>'s election priority for every shard (in parallel; 0: never master, the site is
    /// then not elected when its master fails, nor promoted). Each replica keeps it in its state; each shard's master
    /// spreads it to the group. A site that is master now stays master until it steps down or fails. Returns the
    /// previous priority of each shard's replica, by shard.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative priority (nothing sent).</exception>
    /// <exception cref="ClusterUnreachableException">The site cannot be reached.</exception>
    public async Task<IReadOnlyList<int>> SetPriorityAsync(int site, int priority, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(priority);
        ArgumentOutOfRangeException.ThrowIfLessThan(site, 1);
        var map = await MapAsync(cancellationToken).ConfigureAwait(false);
        var factory = await FactoryForAsync(site, cancellationToken).ConfigureAwait(false);
        return await Task.WhenAll(Enumerable.Range(0, map.Shards).Select(s =>
            ShardErrors.Typed(factory.GetGrain<ILogShardGrain>(GrainKeys.Shard(s, site)).SetPriority(priority)).WaitAsync(cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>
    /// Has site <paramref name="site"/>'s replica of <paramref name="shard"/> (null: of every shard) sync with its
    /// master now, when its sync is held (the site runs with <c>--delay-client-sync</c>, or a sync was refused). Returns,
    /// by shard, whether a held sync was started (false: a master, or a client that is live already).
    /// </summary>
    /// <exception cref="UnknownShardException">No such shard.</exception>
    /// <exception cref="ClusterUnreachableException">The site cannot be reached.</exception>
    public async Task<IReadOnlyDictionary<int, bool>> SyncAsync(int site, int? shard = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(site, 1);
        var map = await MapAsync(cancellationToken).ConfigureAwait(false);
        if (shard is { } one)
        {
            map.CheckShard(one);
        }

        var factory = await FactoryForAsync(site, cancellationToken).ConfigureAwait(false);
        var shards = shard is { } s ? [s] : Enumerable.Range(0, map.Shards).ToArray();
        var started = await Task.WhenAll(shards.Select(s =>
            ShardErrors.Typed(factory.GetGrain<ILogShardGrain>(GrainKeys.Shard(s, site)).SyncNow()).WaitAsync(cancellationToken))).ConfigureAwait(false);
        return shards.Zip(started).ToDictionary(p => p.First, p => p.Second);
    }
}
