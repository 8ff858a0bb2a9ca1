using OrleansRep.Grains.Interfaces;
using OrleansRep.Grains.Shards;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Hosting;
using OrleansRep.Runtime.Streams;

namespace OrleansRep.Silo.Dashboard;

/// <summary>
/// This site's reading for the dashboards (its own and the other sites'): the site grain's status, the silo's grain
/// counters, and the site's events, which it keeps from its own subscription to the feed, numbered by the feed's
/// sequence, in a ring of <see cref="DashboardOptions.RetainedEvents"/> so a caller asks for "what came after n".
/// A service of the silo (one per silo), started by <see cref="StartAsync"/>.
/// </summary>
internal sealed class DashboardSiteSource : IAsyncObserver<SiteEvent>, IAsyncDisposable
{
    private readonly SiteEventLog _events;
    private readonly GrainStatistics _statistics;
    private readonly IGrainFactory _grains;
    private readonly DashboardOptions _options;
    private readonly Queue<DashboardEvent> _recent = new();
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _starting = new(1, 1);
    private StreamSubscriptionHandle<SiteEvent>? _subscription;
    private long _lastSequence;

    public DashboardSiteSource(SiteEventLog events, GrainStatistics statistics, IGrainFactory grains, LocalSiloDetails silo, DashboardOptions options)
    {
        _events = events;
        _statistics = statistics;
        _grains = grains;
        _options = options;
        Site = silo.SiteId ?? throw new InvalidOperationException("the dashboard runs on a site's silo (SiloHostOptions.SiteId)");
    }

    /// <summary>This site's id.</summary>
    public int Site { get; }

    /// <summary>Differs for every process: a caller's cursor from another incarnation means nothing here.</summary>
    public string Incarnation { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Subscribes to the site's feed from the oldest retained event (once; again after the subscription failed).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _subscription) is not null)
        {
            return;
        }

        await _starting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_subscription is null)
            {
                long last;
                lock (_lock)
                {
                    last = _lastSequence;
                }

                // After a failed subscription (fell behind the retained window), on from where it stopped.
                _subscription = await _events.Stream.SubscribeAsync(this, last == 0 ? StreamSequenceToken.First : new StreamSequenceToken(last + 1), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _starting.Release();
        }
    }

    /// <summary>This site's reading: status (null if the site grain did not answer within
    /// <see cref="DashboardOptions.StatusTimeout"/>), grain counters, and the events after <paramref name="eventsAfter"/>
    /// when <paramref name="incarnation"/> is this one (else from the oldest retained).</summary>
    public async Task<DashboardSiteSample> SampleAsync(string? incarnation, long eventsAfter)
    {
        await StartAsync(CancellationToken.None).ConfigureAwait(false);
        SiteStatus? status;
        try
        {
            status = await _grains.GetGrain<ISiteGrain>(GrainKeys.Site(Site)).GetStatus().WaitAsync(_options.StatusTimeout).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // No status is a reading too: the dashboard shows the site's replicas as unknown.
        catch (Exception)
#pragma warning restore CA1031
        {
            status = null;
        }

        var after = incarnation == Incarnation ? eventsAfter : 0;
        DashboardEvent[] events;
        long last;
        lock (_lock)
        {
            events = [.. _recent.Where(e => e.Sequence > after).TakeLast(_options.MaxEventsPerSample)];
            last = _recent.Count == 0 ? after : Math.Max(after, _recent.Last().Sequence);
        }

        return new DashboardSiteSample(Site, Incarnation, status, _statistics.Snapshot(), events, last);
    }

    public Task OnNextAsync(SiteEvent item, StreamSequenceToken token)
    {
        ArgumentNullException.ThrowIfNull(item);
        lock (_lock)
        {
            if (_recent.Count >= _options.RetainedEvents)
            {
                _recent.Dequeue();
            }

            _lastSequence = token.SequenceNumber;
            _recent.Enqueue(new DashboardEvent(token.SequenceNumber, item.Time, item.Site, item.Shard, item.Kind, item.Gen, item.About));
        }

        return Task.CompletedTask;
    }

    public Task OnErrorAsync(Exception exception)
    {
        // The subscription ended (this observer fell behind the feed): the next sample subscribes again.
        _subscription = null;
        return Task.CompletedTask;
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_subscription is not null)
        {
            await _subscription.UnsubscribeAsync(CancellationToken.None).ConfigureAwait(false);
        }

        _starting.Dispose();
    }
}
