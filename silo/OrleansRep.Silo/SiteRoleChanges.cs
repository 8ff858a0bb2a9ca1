using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Replication.Inputs;
using OrleansRep.Runtime.Core;

namespace OrleansRep.Silo;

/// <summary>
/// Promotion and handover as the silo's own HTTP API (<see cref="AdminHttpApi"/>) and its promote trigger file
/// (<see cref="PromoteTrigger"/>) ask for them: grain calls placed on the sites named (a grain key names its site, so
/// any site can promote or hand over for any other).
/// </summary>
public sealed class SiteRoleChanges(IGrainFactory grains, int shards, int self)
{
    /// <summary>Promotes <paramref name="site"/>'s replica of <paramref name="shard"/> (null: every shard, in parallel).</summary>
    /// <exception cref="UnknownShardException">No such shard.</exception>
    public async Task<IReadOnlyList<PromotionReport>> PromoteAsync(int site, int? shard, PromotionMode mode, TimeSpan wait)
    {
        new ShardMap(shards).CheckShard(shard ?? 0);
        var waitMs = (int)Math.Clamp(wait.TotalMilliseconds, 0, int.MaxValue);
        var which = shard is { } one ? [one] : Enumerable.Range(0, shards);
        return await Task.WhenAll(which.Select(s => ShardErrors.Typed(grains.GetGrain<ILogShardGrain>(GrainKeys.Shard(s, site)).Promote(mode, waitMs)))).ConfigureAwait(false);
    }

    /// <summary>Hands <paramref name="shard"/> over to <paramref name="to"/>; its master is found through this site's replica.</summary>
    /// <exception cref="ShardUnavailableException">No master is known now.</exception>
    public async Task<HandoverReport> HandoverAsync(int shard, int to, TimeSpan wait)
    {
        new ShardMap(shards).CheckShard(shard);
        var waitMs = (int)Math.Clamp(wait.TotalMilliseconds, 0, int.MaxValue);
        var status = await ShardErrors.Typed(grains.GetGrain<ILogShardGrain>(GrainKeys.Shard(shard, self)).GetStatus()).ConfigureAwait(false);
        var master = status.Role == RepRole.Master ? self : status.Master;
        for (var attempt = 0; ; attempt++)
        {
            if (master == 0)
            {
                throw new ShardUnavailableException($"shard {shard} has no master now (election under way); retry shortly");
            }

            try
            {
                return await ShardErrors.Typed(grains.GetGrain<ILogShardGrain>(GrainKeys.Shard(shard, master)).Handover(to, waitMs)).ConfigureAwait(false);
            }
            catch (NotMasterException e) when (attempt < 2)
            {
                master = e.Master;
            }
        }
    }
}
