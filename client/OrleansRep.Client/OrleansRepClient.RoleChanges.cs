using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication.Inputs;
using OrleansRep.Runtime.Core;

namespace OrleansRep.Client;

/// <summary>Role changes by hand: promotion (PostgreSQL-style) and handover. Both need the Admin role.</summary>
public sealed partial class OrleansRepClient
{
    /// <summary>How long <see cref="PromoteAsync"/> and <see cref="HandoverAsync"/> wait by default (pg_promote's 60 s).</summary>
    public static readonly TimeSpan DefaultRoleChangeWait = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Promotes site <paramref name="site"/>'s replica of <paramref name="shard"/> (null: of every shard, in parallel) to
    /// master the way PostgreSQL promotes a standby: the current master steps down if it can be reached, the log the
    /// site received is applied, then it opens for writes (<see cref="PromotionMode.Fast"/>, checkpointing after) or
    /// checkpoints first. Whatever the old master had that the site never received is rolled back there when it
    /// syncs (see <see cref="ReplicaStatus.LastRollback"/>). Use <see cref="HandoverAsync"/> to lose nothing.
    /// </summary>
    /// <exception cref="RoleChangeRefusedException">Priority 0, internal init, not caught up within <paramref name="wait"/>, ...</exception>
    /// <exception cref="UnknownShardException">No such shard.</exception>
    /// <exception cref="ClusterUnreachableException">The site cannot be reached.</exception>
    public async Task<IReadOnlyList<PromotionReport>> PromoteAsync(int site, int? shard, PromotionMode mode = PromotionMode.Fast, TimeSpan? wait = null, CancellationToken cancellationToken = default)
    {
        var map = await MapAsync(cancellationToken).ConfigureAwait(false);
        if (shard is { } one)
        {
            map.CheckShard(one);
        }

        var waitMs = WaitMs(wait);
        var factory = await FactoryForAsync(site, cancellationToken).ConfigureAwait(false);
        var shards = shard is { } s ? [s] : Enumerable.Range(0, map.Shards);
        var reports = await Task.WhenAll(shards.Select(s =>
            ShardErrors.Typed(factory.GetGrain<ILogShardGrain>(GrainKeys.Shard(s, site)).Promote(mode, waitMs)).WaitAsync(cancellationToken))).ConfigureAwait(false);
        return reports;
    }

    /// <summary>
    /// Moves <paramref name="shard"/>'s mastership to site <paramref name="to"/> with no lost writes: the master stops
    /// taking writes (the client library retries them), waits until <paramref name="to"/> has every write, steps down
    /// and has it promoted. Nothing changes when <paramref name="to"/> does not catch up within <paramref name="wait"/>.
    /// </summary>
    /// <exception cref="RoleChangeRefusedException">Not a member, priority 0, not caught up in time, or its promotion failed.</exception>
    /// <exception cref="ShardUnavailableException">The shard has no master now.</exception>
    public async Task<HandoverReport> HandoverAsync(int shard, int to, TimeSpan? wait = null, CancellationToken cancellationToken = default)
    {
        (await MapAsync(cancellationToken).ConfigureAwait(false)).CheckShard(shard);
        var waitMs = WaitMs(wait);
        var master = await MasterOfAsync(shard, wait ?? DefaultRoleChangeWait, cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; ; attempt++)
        {
            var factory = await FactoryForAsync(master, cancellationToken).ConfigureAwait(false);
            try
            {
                return await ShardErrors.Typed(factory.GetGrain<ILogShardGrain>(GrainKeys.Shard(shard, master)).Handover(to, waitMs)).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (NotMasterException e) when (attempt < 2 && e.Master > 0)
            {
                master = e.Master; // the master moved since the status was read: ask the one it names
            }
        }
    }

    /// <summary>The shard's master as the sites report it, asked again (every 100 ms, within <paramref name="wait"/>)
    /// while an election is under way.</summary>
    /// <exception cref="ShardUnavailableException">No master within <paramref name="wait"/>.</exception>
    private async Task<int> MasterOfAsync(int shard, TimeSpan wait, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        while (true)
        {
            if ((await GetStatusAsync(cancellationToken).ConfigureAwait(false)).MasterOf(shard)?.Site is { } master)
            {
                return master;
            }

            if (_time.GetElapsedTime(started) >= wait)
            {
                throw new ShardUnavailableException($"shard {shard} has had no master for {wait.TotalSeconds:0.#} s (election under way); retry shortly");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static int WaitMs(TimeSpan? wait)
    {
        var value = wait ?? DefaultRoleChangeWait;
        ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero, nameof(wait));
        return (int)Math.Min(int.MaxValue, value.TotalMilliseconds);
    }

    /// <summary>The site's own gateway when it answers (one hop less), else any site's: a grain key names its site, so
    /// the call is placed there whichever gateway takes it.</summary>
    private async Task<IGrainFactory> FactoryForAsync(int site, CancellationToken cancellationToken)
    {
        if (await _gateways.TryGetAsync(site, cancellationToken).ConfigureAwait(false) is { } own)
        {
            return own;
        }

        var (_, any) = await _router.NextSiteAsync(cancellationToken).ConfigureAwait(false);
        return any ?? throw new ClusterUnreachableException($"site {site} cannot be reached, nor any other");
    }
}
