using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Client;

/// <summary>
/// Sends a shard request to the right replica and keeps at it until a deadline. Writes and linearizable reads go to
/// the site believed to be the shard's master (a cache fed by answers and by <see cref="NotMasterException"/>
/// redirects, which are followed at once); other reads go round the replicas, moving on from one that is too stale.
/// An election under way (<see cref="ShardUnavailableException"/>, a redirect to nobody) or an unreachable site means
/// a pause that doubles up to <see cref="OrleansRepClientOptions.MaxBackoff"/>; past
/// <see cref="OrleansRepClientOptions.RetryDeadline"/> the last error is reported as
/// <see cref="ShardUnavailableException"/>. Every other error is the caller's, at once. Writes are retried after a
/// lost connection although they may have been applied: a put, delete or batch applied twice leaves the same data.
/// </summary>
internal sealed partial class ShardRouter(ISiteGateways gateways, OrleansRepClientOptions options, TimeProvider time, ILogger logger)
{
    // Redirects followed in a row without a pause: enough for a master that moved; a loop means views disagree.
    private const int MaxRedirects = 3;

    // By shard: the site believed to be its master. Sized for the most shards a cluster may have (see ShardMap).
    private readonly int[] _masters = new int[4096];
    private int _turn;

    /// <summary>The site believed to be <paramref name="shard"/>'s master (0: unknown).</summary>
    public int MasterOf(int shard) => Volatile.Read(ref _masters[shard]);

    public async Task<T> CallAsync<T>(int shard, bool onMaster, Func<ILogShardGrain, Task<T>> call, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var backoff = options.InitialBackoff;
        var redirects = 0;
        var staleTries = 0;
        Exception? last = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var site = onMaster ? MasterOf(shard) : 0;
            var factory = site != 0 ? await gateways.TryGetAsync(site, cancellationToken).ConfigureAwait(false) : null;
            if (factory is null)
            {
                (site, factory) = await NextSiteAsync(cancellationToken).ConfigureAwait(false);
            }

            var pause = true;
            if (factory is null)
            {
                last = new ClusterUnreachableException($"no gateway of {string.Join(", ", options.Gateways)} can be reached");
            }
            else
            {
                try
                {
                    var attempt = call(factory.GetGrain<ILogShardGrain>(GrainKeys.Shard(shard, site)));
                    if (onMaster)
                    {
                        // A hung master never answers: give up on it after the attempt timeout (TimeoutException,
                        // below: the site is treated as lost) and observe whatever the abandoned call ends with.
                        _ = attempt.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                        attempt = attempt.WaitAsync(options.AttemptTimeout, time, cancellationToken);
                    }

                    var result = await ShardErrors.Typed(attempt).ConfigureAwait(false);
                    if (onMaster)
                    {
                        Volatile.Write(ref _masters[shard], site);
                    }

                    return result;
                }
                catch (NotMasterException e)
                {
                    last = e;
                    Volatile.Write(ref _masters[shard], e.Master);
                    onMaster = true;
                    if (e.Master != 0 && e.Master != site && redirects++ < MaxRedirects)
                    {
                        LogRedirect(logger, shard, site, e.Master);
                        pause = false;
                    }
                }
                catch (ShardUnavailableException e)
                {
                    last = e;
                    // A replica too stale for the read: another may do; once all were tried, wait.
                    pause = onMaster || ++staleTries % Math.Max(1, gateways.Sites.Count) == 0;
                }
                catch (Exception e) when (IsUnreachable(e))
                {
                    last = e;
                    gateways.Lost(site);
                    Interlocked.CompareExchange(ref _masters[shard], 0, site);
                }
            }

            if (time.GetElapsedTime(started) >= options.RetryDeadline)
            {
                throw new ShardUnavailableException($"shard {shard}: no {(onMaster ? "master" : "replica")} served the request within {options.RetryDeadline.TotalSeconds:0.###} s; last error: {last.Message}", last);
            }

            if (pause)
            {
                LogRetry(logger, shard, site, last.Message, backoff.TotalMilliseconds);
                await Task.Delay(backoff, time, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.MaxBackoff.Ticks));
                redirects = 0;
            }
        }
    }

    /// <summary>The next reachable site in turn (0 and null: none), so retries and replica reads spread over the sites.</summary>
    public async Task<(int Site, IGrainFactory? Factory)> NextSiteAsync(CancellationToken cancellationToken)
    {
        var sites = gateways.Sites;
        if (sites.Count == 0 && await gateways.ConnectAllAsync(cancellationToken).ConfigureAwait(false) > 0)
        {
            sites = gateways.Sites;
        }

        var start = Interlocked.Increment(ref _turn);
        for (var i = 0; i < sites.Count; i++)
        {
            var site = sites[(int)((uint)(start + i) % (uint)sites.Count)];
            if (await gateways.TryGetAsync(site, cancellationToken).ConfigureAwait(false) is { } factory)
            {
                return (site, factory);
            }
        }

        return (0, null);
    }

    /// <summary>The call may not have reached the site, or the site went away during it.</summary>
    public static bool IsUnreachable(Exception e) =>
        e is ConnectionClosedException or SocketException or IOException or TimeoutException or ClusterUnreachableException;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Shard {Shard}: site {Site} is not master, redirected to site {Master}")]
    private static partial void LogRedirect(ILogger logger, int shard, int site, int master);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Shard {Shard}: site {Site} could not serve ({Reason}); retrying in {BackoffMs} ms")]
    private static partial void LogRetry(ILogger logger, int shard, int site, string reason, double backoffMs);
}
