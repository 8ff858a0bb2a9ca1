using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Client;

/// <summary>
/// The application's handle on an OrleansRep cluster: put, get, delete, scan and atomic batches, routed by key to the
/// shard's master (or a replica, as the read allows), retried through master changes (see <see cref="ShardRouter"/>).
/// Every write returns the <see cref="CommitToken"/> of its commit; <see cref="ReadOptions.AtLeast"/> reads it back
/// from any replica. Thread-safe; one per process is enough. Connects lazily: <see cref="ConnectAsync"/> also checks
/// that the cluster is there.
/// </summary>
public sealed partial class OrleansRepClient : IAsyncDisposable
{
    private static readonly Comparer<byte[]> KeyOrder = Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b));

    private readonly ISiteGateways _gateways;
    private readonly ShardRouter _router;
    private readonly OrleansRepClientOptions _options;
    private readonly TimeProvider _time;
    private ShardMap? _map;

    /// <summary>A client that connects on first use (what <c>AddOrleansRepClient</c> registers).</summary>
    /// <exception cref="ArgumentException">An option is invalid, or the secret cannot be read.</exception>
    public OrleansRepClient(OrleansRepClientOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
        : this(Validated(options), timeProvider ?? TimeProvider.System, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<OrleansRepClient>(), null)
    {
    }

    internal OrleansRepClient(OrleansRepClientOptions options, TimeProvider time, ILogger logger, ISiteGateways? gateways)
    {
        _options = options;
        _time = time;
        _gateways = gateways ?? new SiteGateways(options, time, logger);
        _router = new ShardRouter(_gateways, options, time, logger);
        _map = options.Shards > 0 ? new ShardMap(options.Shards) : null;
    }

    /// <summary>Which shard a key is in (the cluster's shard count: configured, or learned on connecting).</summary>
    /// <exception cref="InvalidOperationException">Not connected yet and no shard count configured.</exception>
    public ShardMap Map => _map ?? throw new InvalidOperationException("the shard count is learned on connecting: call ConnectAsync or any operation first");

    /// <summary>The sites found so far, ascending.</summary>
    public IReadOnlyList<int> Sites => _gateways.Sites;

    /// <summary>Creates a client and connects to every gateway it can reach.</summary>
    /// <exception cref="ClusterUnreachableException">None could be reached.</exception>
    /// <exception cref="HandshakeRejectedException">A gateway refused the secret.</exception>
    public static async Task<OrleansRepClient> ConnectAsync(OrleansRepClientOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var client = new OrleansRepClient(options, timeProvider, loggerFactory);
        try
        {
            if (await client._gateways.ConnectAllAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new ClusterUnreachableException($"no gateway of {string.Join(", ", options.Gateways)} can be reached");
            }

            await client.MapAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The site believed to be <paramref name="shard"/>'s master (0: not known yet).</summary>
    public int MasterOf(int shard) => _router.MasterOf(shard);

    /// <summary>Writes <paramref name="value"/> under <paramref name="key"/>.</summary>
    /// <exception cref="DurabilityNotMetException">Committed, but <see cref="WriteOptions.Durability"/> not met in time.</exception>
    /// <exception cref="ShardUnavailableException">No master took it within the retry deadline.</exception>
    /// <exception cref="KeyTooLargeException">The key is empty or too long.</exception>
    /// <exception cref="ValueTooLargeException">The value is too large.</exception>
    public async Task<CommitToken> PutAsync(byte[] key, byte[] value, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        var durability = (options ?? WriteOptions.Default).Durability;
        return await WriteAsync(await ShardOfAsync(key, cancellationToken).ConfigureAwait(false), g => g.Put(key, value, durability), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes <paramref name="key"/> (no error when it is absent).</summary>
    public async Task<CommitToken> DeleteAsync(byte[] key, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        var durability = (options ?? WriteOptions.Default).Durability;
        return await WriteAsync(await ShardOfAsync(key, cancellationToken).ConfigureAwait(false), g => g.Delete(key, durability), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Applies every operation or none, in one commit. All keys must be in one shard (see <see cref="Map"/>).</summary>
    /// <exception cref="ArgumentException">The batch is empty or spans shards.</exception>
    public async Task<CommitToken> BatchAsync(IReadOnlyCollection<BatchOperation> operations, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var map = await MapAsync(cancellationToken).ConfigureAwait(false);
        var shards = operations.Select(o => map.ShardOf(o.Key)).Distinct().ToList();
        if (shards.Count != 1)
        {
            throw new ArgumentException(shards.Count == 0 ? "an empty batch" : $"a batch must stay within one shard; its keys are in shards {string.Join(", ", shards)}", nameof(operations));
        }

        var bytes = KeyValueCodec.EncodeBatch(operations);
        var durability = (options ?? WriteOptions.Default).Durability;
        return await WriteAsync(shards[0], g => g.Batch(bytes, durability), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The value of <paramref name="key"/>, or null, as fresh as <paramref name="options"/> asks (default linearizable).</summary>
    /// <exception cref="CommitTokenLostException">The token's commit was rolled back in a master change.</exception>
    public async Task<byte[]?> GetAsync(byte[] key, ReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        var read = options ?? ReadOptions.Linearizable;
        return await _router.CallAsync(await ShardOfAsync(key, cancellationToken).ConfigureAwait(false), read.OnMaster, g => g.Read(key, read.Consistency, read.MaxStalenessMs, read.TokenBytes), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The pairs with keys from <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive) that start with
    /// <paramref name="prefix"/> (null: no bound / any), in key order across all shards, fetched a page per shard at a
    /// time. A token in <paramref name="options"/> belongs to one shard: read-your-writes holds for that shard's keys.
    /// </summary>
    public async IAsyncEnumerable<KeyValuePair<byte[], byte[]>> ScanAsync(
        byte[]? from = null, byte[]? to = null, byte[]? prefix = null, ReadOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var read = options ?? ReadOptions.Linearizable;
        var map = await MapAsync(cancellationToken).ConfigureAwait(false);
        var cursors = Enumerable.Range(0, map.Shards).Select(s => ScanShardAsync(s, from ?? [], to ?? [], prefix ?? [], read, cancellationToken).GetAsyncEnumerator(cancellationToken)).ToList();
        try
        {
            var heads = new List<IAsyncEnumerator<KeyValuePair<byte[], byte[]>>>();
            foreach (var cursor in cursors)
            {
                if (await cursor.MoveNextAsync().ConfigureAwait(false))
                {
                    heads.Add(cursor);
                }
            }

            // A merge of the shards' sorted streams: S is small, so the smallest head is found by looking at each.
            while (heads.Count > 0)
            {
                var smallest = heads.MinBy(h => h.Current.Key, KeyOrder)!;
                yield return smallest.Current;
                if (!await smallest.MoveNextAsync().ConfigureAwait(false))
                {
                    heads.Remove(smallest);
                }
            }
        }
        finally
        {
            foreach (var cursor in cursors)
            {
                await cursor.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Every known site's status (a site that does not answer is reported unhealthy, with the reason).</summary>
    public async Task<ClusterStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        await _gateways.ConnectAllAsync(cancellationToken).ConfigureAwait(false);
        var reports = await Task.WhenAll(_gateways.Sites.Select(async site =>
        {
            try
            {
                var factory = await _gateways.TryGetAsync(site, cancellationToken).ConfigureAwait(false)
                    ?? throw new ClusterUnreachableException("unreachable");
                return new SiteReport(site, _gateways.AddressOf(site), await ShardErrors.Typed(factory.GetGrain<ISiteGrain>(GrainKeys.Site(site)).GetStatus()).ConfigureAwait(false), null);
            }
            catch (Exception e) when (ShardRouter.IsUnreachable(e) || e is ShardException or RemoteGrainException or HandshakeRejectedException)
            {
                // A gateway that closes the handshake is restarting (or has another secret): unhealthy, with the reason.
                return new SiteReport(site, _gateways.AddressOf(site), null, e.Message);
            }
        })).ConfigureAwait(false);
        return new ClusterStatus(reports);
    }

    /// <summary>Starts an election for <paramref name="shard"/> from <paramref name="site"/> (default: the first site
    /// that answers). Needs the Admin role.</summary>
    /// <returns>The site the election was called from.</returns>
    public async Task<int> ElectAsync(int shard, int? site = null, CancellationToken cancellationToken = default)
    {
        (await MapAsync(cancellationToken).ConfigureAwait(false)).CheckShard(shard);
        var from = site ?? (await _router.NextSiteAsync(cancellationToken).ConfigureAwait(false)).Site;
        var factory = (from == 0 ? null : await _gateways.TryGetAsync(from, cancellationToken).ConfigureAwait(false))
            ?? throw new ClusterUnreachableException(from == 0 ? "no site can be reached" : $"site {from} cannot be reached");
        await ShardErrors.Typed(Completed(factory.GetGrain<IElectionGrain>(GrainKeys.Election(shard, from)).Elect())).ConfigureAwait(false);
        return from;
    }

    /// <summary>
    /// Adds site <paramref name="site"/>, whose silo listens for its peers at <paramref name="endPoint"/> ("ip:port", its
    /// site-to-site endpoint), to every shard's group with election <paramref name="priority"/> (0: never master);
    /// returns once every shard's master committed it. Start the new site's silo with <c>--join</c> (before or after):
    /// it then syncs every shard and serves reads. Asked of the first site that answers; needs the Admin role.
    /// </summary>
    /// <exception cref="SiteChangeRejectedException">Bad input, or the id is a member at another endpoint; nothing changed.</exception>
    /// <exception cref="SiteChangeIncompleteException">Some shards did not commit it in time (retry: it is idempotent).</exception>
    public async Task AddSiteAsync(int site, string endPoint, int priority = 100, CancellationToken cancellationToken = default)
    {
        var address = SiteEndPoint.Check(endPoint);
        if (site < 1 || priority < 0)
        {
            throw new SiteChangeRejectedException($"cannot add site {site} with priority {priority}: the id must be positive and the priority 0 or more");
        }

        var grain = await AnySiteGrainAsync(cancellationToken).ConfigureAwait(false);
        await ShardErrors.Typed(grain.AddSite(site, address, priority).WaitAsync(cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Removes site <paramref name="site"/> from every shard's group (its replicas stop serving). Refused while it
    /// is any shard's master: hand the shard over first. Needs the Admin role.</summary>
    /// <exception cref="SiteChangeRejectedException">Not a member, or a shard's master; nothing changed.</exception>
    /// <exception cref="SiteChangeIncompleteException">Some shards did not commit it in time (retry: it is idempotent).</exception>
    public async Task RemoveSiteAsync(int site, CancellationToken cancellationToken = default)
    {
        var grain = await AnySiteGrainAsync(cancellationToken).ConfigureAwait(false);
        await ShardErrors.Typed(grain.RemoveSite(site).WaitAsync(cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes a hot backup of site <paramref name="site"/> (its own environment and every shard replica's; writes go on)
    /// into <paramref name="directory"/>, an absolute path on that site's host, absent or empty. The site copies on a
    /// thread of its own; this polls its status every 250 ms, passes each to <paramref name="progress"/> (bytes copied
    /// of the total expected), and returns the final one. Needs the Admin role. Cancelling stops the polling, not the
    /// backup (<c>ISiteGrain.BackupStatus</c> still reports it).
    /// </summary>
    /// <exception cref="SiteBackupRejectedException">A relative or non-empty directory, or a backup already running; nothing written.</exception>
    /// <exception cref="SiteBackupFailedException">The backup failed (the site removed what it wrote); the reason is in the message.</exception>
    /// <exception cref="ClusterUnreachableException">The site cannot be reached.</exception>
    public async Task<SiteBackupStatus> BackupSiteAsync(int site, string directory, IProgress<SiteBackupStatus>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var factory = await _gateways.TryGetAsync(site, cancellationToken).ConfigureAwait(false)
            ?? throw new ClusterUnreachableException($"site {site} cannot be reached");
        var grain = factory.GetGrain<ISiteGrain>(GrainKeys.Site(site));
        var status = await ShardErrors.Typed(grain.Backup(directory).WaitAsync(cancellationToken)).ConfigureAwait(false);
        var started = status.Started;
        while (true)
        {
            progress?.Report(status);
            switch (status.State)
            {
                case SiteBackupState.Done:
                    return status;
                case SiteBackupState.Failed:
                    throw new SiteBackupFailedException($"site {site}: the backup to {directory} failed ({status.ErrorType}): {status.Error}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), _time, cancellationToken).ConfigureAwait(false);
            var next = await ShardErrors.Typed(grain.BackupStatus().WaitAsync(cancellationToken)).ConfigureAwait(false);
            if (next is null || next.Started != started || next.Directory != directory)
            {
                throw new SiteBackupFailedException($"site {site}: the backup to {directory} is no longer known there (the site restarted?); its directory holds no manifest unless it finished");
            }

            status = next;
        }
    }

    private async Task<ISiteGrain> AnySiteGrainAsync(CancellationToken cancellationToken)
    {
        var (site, factory) = await _router.NextSiteAsync(cancellationToken).ConfigureAwait(false);
        return factory?.GetGrain<ISiteGrain>(GrainKeys.Site(site)) ?? throw new ClusterUnreachableException("no site can be reached");
    }

    /// <summary>
    /// The sites' events (NEWMASTER, ELECTED, PERM_FAILED, STARTUPDONE, ...) as they happen, until cancelled. Clients
    /// cannot subscribe to the cluster's event streams yet, so each site's recent events are polled every
    /// <see cref="OrleansRepClientOptions.EventPollInterval"/> and the new ones passed on (a burst larger than a site's
    /// retained window between two polls loses its oldest events). <paramref name="includeRecent"/> starts with what
    /// the sites still hold.
    /// </summary>
    public async IAsyncEnumerable<SiteEvent> WatchEventsAsync(bool includeRecent = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var seen = new Dictionary<int, HashSet<SiteEvent>>();
        for (var round = 0; ; round++)
        {
            await _gateways.ConnectAllAsync(cancellationToken).ConfigureAwait(false);
            foreach (var site in _gateways.Sites)
            {
                IReadOnlyList<SiteEvent> events;
                try
                {
                    var factory = await _gateways.TryGetAsync(site, cancellationToken).ConfigureAwait(false);
                    if (factory is null)
                    {
                        continue;
                    }

                    events = await ShardErrors.Typed(factory.GetGrain<ISiteGrain>(GrainKeys.Site(site)).RecentEvents()).ConfigureAwait(false);
                }
                catch (Exception e) when (ShardRouter.IsUnreachable(e))
                {
                    _gateways.Lost(site);
                    continue;
                }

                var before = seen.GetValueOrDefault(site);
                foreach (var e in events)
                {
                    if (before?.Contains(e) == false || (before is null && (includeRecent || round > 0)))
                    {
                        yield return e;
                    }
                }

                seen[site] = [.. events];
            }

            await Task.Delay(_options.EventPollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => _gateways.DisposeAsync();

    private static OrleansRepClientOptions Validated(OrleansRepClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }

    private static async Task<bool> Completed(Task call)
    {
        await call.ConfigureAwait(false);
        return true;
    }

    private async ValueTask<int> ShardOfAsync(byte[] key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return (await MapAsync(cancellationToken).ConfigureAwait(false)).ShardOf(key);
    }

    // The shard count as the sites have it: every site has one replica of every shard.
    private async ValueTask<ShardMap> MapAsync(CancellationToken cancellationToken)
    {
        if (_map is { } map)
        {
            return map;
        }

        var started = _time.GetTimestamp();
        while (true)
        {
            var (site, factory) = await _router.NextSiteAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (factory is not null)
                {
                    var status = await ShardErrors.Typed(factory.GetGrain<ISiteGrain>(GrainKeys.Site(site)).GetStatus()).ConfigureAwait(false);
                    return _map = new ShardMap(status.Shards.Count);
                }
            }
            catch (Exception e) when (ShardRouter.IsUnreachable(e))
            {
                _gateways.Lost(site);
            }

            if (_time.GetElapsedTime(started) >= _options.RetryDeadline)
            {
                throw new ClusterUnreachableException($"no site of {string.Join(", ", _options.Gateways)} answered within {_options.RetryDeadline.TotalSeconds:0.###} s to say how many shards the cluster has");
            }

            await Task.Delay(_options.MaxBackoff, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<CommitToken> WriteAsync(int shard, Func<ILogShardGrain, Task<byte[]>> write, CancellationToken cancellationToken) =>
        CommitToken.ReadFrom(await _router.CallAsync(shard, onMaster: true, write, cancellationToken).ConfigureAwait(false));

    private async IAsyncEnumerable<KeyValuePair<byte[], byte[]>> ScanShardAsync(
        int shard, byte[] from, byte[] to, byte[] prefix, ReadOptions read, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var next = from;
        do
        {
            var start = next;
            var page = KeyValueCodec.DecodePage(await _router.CallAsync(
                shard, read.OnMaster, g => g.Scan(start, to, prefix, _options.ScanPageSize, read.Consistency, read.MaxStalenessMs, read.TokenBytes), cancellationToken).ConfigureAwait(false));
            foreach (var item in page.Items)
            {
                yield return item;
            }

            next = page.Next ?? [];
        }
        while (next.Length > 0);
    }
}
