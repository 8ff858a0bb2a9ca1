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
/// lost connection although they may have been applied: a put, delete or batch applied twice leaves the same data. A
/// master that does not answer is checked on through another site while the request waits (see
/// <see cref="OnMasterAsync"/>), so a hung master is left as soon as the others have elected a new one.
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
            var factory = site != 0 ? await TryGetSoonAsync(site, cancellationToken).ConfigureAwait(false) : null;
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
                    if (!onMaster)
                    {
                        return await ShardErrors.Typed(call(factory.GetGrain<ILogShardGrain>(GrainKeys.Shard(shard, site)))).ConfigureAwait(false);
                    }

                    var (result, servedBy) = await OnMasterAsync(shard, site, factory, call, cancellationToken).ConfigureAwait(false);
                    Volatile.Write(ref _masters[shard], servedBy);
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

    /// <summary>
    /// One attempt on the site believed to be <paramref name="shard"/>'s master; returns the result and the site that
    /// served it. A hung master (stopped: its connection stays open) never answers, so the attempt is given up after
    /// <see cref="OrleansRepClientOptions.AttemptTimeout"/> (TimeoutException: the caller treats the site as lost). Before
    /// that, every <see cref="OrleansRepClientOptions.MasterCheckInterval"/> without an answer the same request goes to
    /// another site: one that is not master does nothing and names the master it follows. When that is another site (a
    /// newer generation: the others elected while this one hangs), the wait ends with that redirect
    /// (<see cref="NotMasterException"/>, followed at once by the caller); when the asked site is master now, its answer
    /// is the result. A redirect back to this site, or to nobody (an election under way), or no answer, means waiting on.
    /// Whatever the abandoned call ends with is observed. A request served twice is as a retry after a lost connection:
    /// put, delete and batch leave the same data.
    /// </summary>
    private async Task<(T Result, int Site)> OnMasterAsync<T>(int shard, int site, IGrainFactory factory, Func<ILogShardGrain, Task<T>> call, CancellationToken cancellationToken)
    {
        var attempt = ShardErrors.Typed(call(factory.GetGrain<ILogShardGrain>(GrainKeys.Shard(shard, site))).WaitAsync(options.AttemptTimeout, time, cancellationToken));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            while (true)
            {
                var check = Task.Delay(options.MasterCheckInterval, time, stop.Token);
                if (await Task.WhenAny(attempt, check).ConfigureAwait(false) == attempt)
                {
                    return (await attempt.ConfigureAwait(false), site);
                }

                cancellationToken.ThrowIfCancellationRequested();
                var (other, otherFactory) = await OtherSiteAsync(site, cancellationToken).ConfigureAwait(false);
                if (otherFactory is null)
                {
                    continue;
                }

                var asked = ShardErrors.Typed(call(otherFactory.GetGrain<ILogShardGrain>(GrainKeys.Shard(shard, other))).WaitAsync(options.MasterCheckInterval, time, cancellationToken));
                Observe(asked);
                if (await Task.WhenAny(attempt, asked).ConfigureAwait(false) == attempt)
                {
                    return (await attempt.ConfigureAwait(false), site);
                }

                try
                {
                    var result = await asked.ConfigureAwait(false);
                    LogServedElsewhere(logger, shard, site, other);
                    return (result, other);
                }
                catch (NotMasterException e) when (e.Master != 0 && e.Master != site)
                {
                    LogServedElsewhere(logger, shard, site, e.Master);
                    throw;
                }
                catch (Exception e) when (e is NotMasterException or ShardUnavailableException || IsUnreachable(e))
                {
                    // The asked site still follows this master, knows none yet, or could not answer in time: wait on.
                }
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            Observe(attempt);
        }
    }

    /// <summary>The next reachable site in turn other than <paramref name="site"/> (0 and null: none).</summary>
    private async Task<(int Site, IGrainFactory? Factory)> OtherSiteAsync(int site, CancellationToken cancellationToken)
    {
        for (var i = 0; i < gateways.Sites.Count; i++)
        {
            var next = await NextSiteAsync(cancellationToken).ConfigureAwait(false);
            if (next.Site != site)
            {
                return next;
            }
        }

        return (0, null);
    }

    /// <summary>Observes the error a call left behind, if it ends with one (an abandoned call must not raise
    /// UnobservedTaskException).</summary>
    private static void Observe(Task task) =>
        _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

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
            if (await TryGetSoonAsync(site, cancellationToken).ConfigureAwait(false) is { } factory)
            {
                return (site, factory);
            }
        }

        return (0, null);
    }

    /// <summary>
    /// The gateway of <paramref name="site"/> if it is connected or connects within
    /// <see cref="OrleansRepClientOptions.MasterCheckInterval"/>; else null (the connection attempt goes on, shared, for the
    /// next caller). A stopped site accepts the TCP connection but never answers the handshake, so waiting for it means
    /// waiting out <see cref="OrleansRepClientOptions.ConnectTimeout"/> (5 s): measured, a request that went round the
    /// sites after its attempt on a stopped master timed out waited there while the new master stood ready.
    /// </summary>
    private async Task<IGrainFactory?> TryGetSoonAsync(int site, CancellationToken cancellationToken)
    {
        var connecting = gateways.TryGetAsync(site, cancellationToken);
        if (connecting.IsCompleted)
        {
            return await connecting.ConfigureAwait(false);
        }

        var pending = connecting.AsTask();
        Observe(pending);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var late = Task.Delay(options.MasterCheckInterval, time, stop.Token);
        var first = await Task.WhenAny(pending, late).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return first == pending ? await pending.ConfigureAwait(false) : null;
    }

    /// <summary>The call may not have reached the site, or the site went away during it.</summary>
    public static bool IsUnreachable(Exception e) =>
        e is ConnectionClosedException or SocketException or IOException or TimeoutException or ClusterUnreachableException;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Shard {Shard}: site {Site} is not master, redirected to site {Master}")]
    private static partial void LogRedirect(ILogger logger, int shard, int site, int master);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Shard {Shard}: master {Site} has not answered yet and site {Other} serves instead (a newer master)")]
    private static partial void LogServedElsewhere(ILogger logger, int shard, int site, int other);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Shard {Shard}: site {Site} could not serve ({Reason}); retrying in {BackoffMs} ms")]
    private static partial void LogRetry(ILogger logger, int shard, int site, string reason, double backoffMs);
}
