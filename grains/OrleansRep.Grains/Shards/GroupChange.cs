using System.Globalization;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Runtime.Core;

namespace OrleansRep.Grains.Shards;

/// <summary>
/// One membership change carried to every shard: each shard's master, wherever it is, is asked to commit it. The
/// master is found from this site's replica of the shard and followed through redirects (<see cref="NotMasterException"/>)
/// and elections until <see cref="SiteStorageOptions.MembershipChangeTimeout"/>; a refusal
/// (<see cref="SiteChangeRejectedException"/>) ends the change at once. Shards run side by side.
/// </summary>
internal sealed class GroupChange(IGrainFactory grains, SiteStorageOptions options, int site, TimeProvider time)
{
    /// <summary>Pause between attempts on one shard while it has no master or its master cannot be reached.</summary>
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(100);

    /// <summary>Runs <paramref name="call"/> on every shard's master; returns when all committed.</summary>
    /// <exception cref="SiteChangeRejectedException">A master refused the change.</exception>
    /// <exception cref="SiteChangeIncompleteException">Some shards did not commit within the timeout.</exception>
    public async Task RunAsync(string change, Func<ILogShardGrain, Task<long>> call)
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(0, options.Shards).Select(s => OnShardAsync(s, call)));
        var failures = outcomes.Select((failure, shard) => (failure, shard)).Where(o => o.failure is not null).ToDictionary(o => o.shard, o => o.failure!);
        if (failures.Count > 0)
        {
            throw new SiteChangeIncompleteException(change, failures);
        }
    }

    /// <summary>Null once the shard's master committed; otherwise the last reason it did not.</summary>
    private async Task<string?> OnShardAsync(int shard, Func<ILogShardGrain, Task<long>> call)
    {
        var started = time.GetTimestamp();
        var target = 0;
        var last = "no master known";
        while (true)
        {
            try
            {
                if (target == 0)
                {
                    target = (await ShardErrors.Typed(Replica(shard, site).GetStatus())).Master;
                }

                if (target != 0)
                {
                    await ShardErrors.Typed(call(Replica(shard, target)));
                    return null;
                }
            }
            catch (NotMasterException e)
            {
                last = e.Message;
                target = e.Master == target ? 0 : e.Master;
                continue;
            }
            catch (SiteChangeRejectedException)
            {
                throw;
            }
#pragma warning disable CA1031 // Anything else (no master, unreachable site, timeout) is worth another attempt until the deadline.
            catch (Exception e)
#pragma warning restore CA1031
            {
                last = string.Create(CultureInfo.InvariantCulture, $"site {target}: {e.GetType().Name}: {e.Message}");
                target = 0;
            }

            if (time.GetElapsedTime(started) >= options.MembershipChangeTimeout)
            {
                return last;
            }

            await Task.Delay(RetryPause, time);
        }
    }

    private ILogShardGrain Replica(int shard, int at) => grains.GetGrain<ILogShardGrain>(GrainKeys.Shard(shard, at));
}
