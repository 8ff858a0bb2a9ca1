using OrleansRep.Grains.Interfaces;

namespace OrleansRep.Client;

/// <summary>The recovery master (issue 6): every site's recovery view, and operator bans. Bans need the Admin role.</summary>
public sealed partial class OrleansRepClient
{
    /// <summary>How long a ban waits by default for each of the banned site's masterships to be handed over.</summary>
    public static readonly TimeSpan DefaultBanHandoverWait = TimeSpan.FromSeconds(30);

    /// <summary>Every known site's recovery view (start time, banned/stopped, the recovery master it believes, its map
    /// generation and last recovery); a site that does not answer (or has no recovery grain) is left out.</summary>
    public async Task<IReadOnlyList<RecoveryView>> GetRecoveryViewsAsync(CancellationToken cancellationToken = default)
    {
        await _gateways.ConnectAllAsync(cancellationToken).ConfigureAwait(false);
        var views = await Task.WhenAll(_gateways.Sites.Select(async site =>
        {
            try
            {
                var factory = await _gateways.TryGetAsync(site, cancellationToken).ConfigureAwait(false);
                return factory is null ? null : await ShardErrors.Typed(factory.GetGrain<IRecoveryGrain>(GrainKeys.Recovery(site)).GetView()).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Whatever the failure (unreachable, a site without the recovery grain), the site is left out.
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                return null;
            }
        })).ConfigureAwait(false);
        return [.. views.OfType<RecoveryView>().OrderBy(v => v.Site)];
    }

    /// <summary>Bans site <paramref name="site"/> for <paramref name="period"/>: its election priority goes to 0 on every
    /// shard and the shards it masters are handed over to the other sites first (no lost writes); it never wins an
    /// election (of a shard, or of the recovery master) until <see cref="UnbanSiteAsync"/> or the period ends.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Site or period not positive; nothing changed.</exception>
    /// <exception cref="ClusterUnreachableException">The site cannot be reached.</exception>
    public async Task<RecoveryView> BanSiteAsync(int site, TimeSpan period, TimeSpan? handoverWait = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(site);
        ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.FromSeconds(1));
        var seconds = (int)Math.Min(int.MaxValue, Math.Ceiling(period.TotalSeconds));
        var factory = await FactoryForAsync(site, cancellationToken).ConfigureAwait(false);
        return await ShardErrors.Typed(factory.GetGrain<IRecoveryGrain>(GrainKeys.Recovery(site)).Ban(seconds, $"operator ban for {seconds} s", WaitMs(handoverWait ?? DefaultBanHandoverWait))).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends site <paramref name="site"/>'s ban: its priorities are restored (a site not banned: nothing changes).</summary>
    /// <exception cref="ClusterUnreachableException">The site cannot be reached.</exception>
    public async Task<RecoveryView> UnbanSiteAsync(int site, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(site);
        var factory = await FactoryForAsync(site, cancellationToken).ConfigureAwait(false);
        return await ShardErrors.Typed(factory.GetGrain<IRecoveryGrain>(GrainKeys.Recovery(site)).Unban("operator unban")).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
