using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using OrleansRep.Runtime.Core;

namespace OrleansRep.Silo.Dashboard;

/// <summary>
/// The silo's one snapshot producer: every <see cref="DashboardOptions.SampleInterval"/> it reads every site (this one
/// directly, the others through <see cref="IDashboardGrain"/> with <see cref="DashboardOptions.RemoteTimeout"/>; a
/// site that does not answer is shown down), builds the snapshot once, serializes it once and hands the same text to
/// every open page through a bounded channel per page that drops the oldest snapshot when the page falls behind. So
/// the cost of a page is a channel write and its socket's send per interval. It keeps the last
/// <see cref="DashboardOptions.HistorySamples"/> chart samples and <see cref="DashboardOptions.TimelineEvents"/>
/// events, so a page that opens later starts with the history (<see cref="Subscribe"/>).
/// </summary>
internal sealed partial class DashboardProducer : IAsyncDisposable
{
    private readonly RunningSite _site;
    private readonly DashboardSiteSource _source;
    private readonly DashboardOptions _options;
    private readonly ILogger _logger;
    private readonly DashboardAggregator _aggregator = new();
    private readonly Dictionary<int, (string Incarnation, long Last)> _cursors = [];
    private readonly Queue<DashboardChartSample> _history = new();
    private readonly Queue<DashboardEvent> _timeline = new();
    private readonly Dictionary<long, Channel<string>> _pages = [];
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private DashboardSnapshot? _latest;
    private long _nextPage;

    public DashboardProducer(RunningSite site, DashboardSiteSource source, DashboardOptions options, ILogger logger)
    {
        options.Validate();
        _site = site;
        _source = source;
        _options = options;
        _logger = logger;
    }

    /// <summary>Pages open now.</summary>
    public int PageCount
    {
        get
        {
            lock (_lock)
            {
                return _pages.Count;
            }
        }
    }

    /// <summary>The latest snapshot (null before the first).</summary>
    public DashboardSnapshot? Latest
    {
        get
        {
            lock (_lock)
            {
                return _latest;
            }
        }
    }

    /// <summary>Starts the sampling loop (once).</summary>
    public void Start() => _loop ??= Task.Run(() => RunAsync(_stop.Token));

    /// <summary>A page's feed: first its init (latest snapshot, chart history, timeline) as JSON, then every snapshot's
    /// JSON as it is made; disposing the subscription ends it.</summary>
    public (string Init, ChannelReader<string> Snapshots, IDisposable Subscription) Subscribe()
    {
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(_options.ClientBuffer)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = true,
        });
        DashboardInit init;
        long id;
        lock (_lock)
        {
            id = ++_nextPage;
            _pages.Add(id, channel);
            init = new DashboardInit(_latest, [.. _history], [.. _timeline]);
        }

        return (JsonSerializer.Serialize(init, SiteHttpApi.Json), channel.Reader, new Unsubscribe(this, id));
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.SampleInterval);
        do
        {
            try
            {
                await SampleAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // One failed round must not end the dashboard: the next one tries again.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogSampleFailed(_logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>One round: read every site, build, publish.</summary>
    internal async Task SampleAsync(CancellationToken cancellationToken)
    {
        var sites = _site.SiteHealth();
        var reads = sites.Select(s => ReadAsync(s.Id)).ToArray();
        var samples = (await Task.WhenAll(reads).WaitAsync(cancellationToken).ConfigureAwait(false))
            .Where(s => s is not null).ToDictionary(s => s!.Site, s => s!);
        var events = new List<DashboardEvent>();
        foreach (var sample in samples.Values)
        {
            var known = _cursors.TryGetValue(sample.Site, out var cursor) && cursor.Incarnation == sample.Incarnation;
            events.AddRange(sample.Events.Where(e => !known || e.Sequence > cursor.Last));
            _cursors[sample.Site] = (sample.Incarnation, sample.LastSequence);
        }

        events.Sort((a, b) => a.Time.CompareTo(b.Time));
        if (events.Count > _options.TimelineEvents)
        {
            events.RemoveRange(0, events.Count - _options.TimelineEvents);
        }

        var recovery = await RecoveryHttpApi.StatusAsync(_site).ConfigureAwait(false);
        var snapshot = _aggregator.Build(_site.SiteId, sites, samples, events, DateTimeOffset.UtcNow, recovery);
        var json = JsonSerializer.Serialize(snapshot, SiteHttpApi.Json);
        lock (_lock)
        {
            _latest = snapshot;
            _history.Enqueue(snapshot.Sample);
            while (_history.Count > _options.HistorySamples)
            {
                _history.Dequeue();
            }

            foreach (var e in events)
            {
                _timeline.Enqueue(e);
            }

            while (_timeline.Count > _options.TimelineEvents)
            {
                _timeline.Dequeue();
            }

            foreach (var page in _pages.Values)
            {
                page.Writer.TryWrite(json);
            }
        }
    }

    private async Task<DashboardSiteSample?> ReadAsync(int site)
    {
        var cursor = _cursors.TryGetValue(site, out var c) ? c : (Incarnation: "", Last: 0L);
        try
        {
            return site == _source.Site
                ? await _source.SampleAsync(cursor.Incarnation, cursor.Last).ConfigureAwait(false)
                : await _site.Host.GrainFactory.GetGrain<IDashboardGrain>(DashboardGrainKeys.Site(site)).GetSample(cursor.Incarnation, cursor.Last)
                    .WaitAsync(_options.RemoteTimeout).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A site that does not answer (down, unreachable, too slow) is shown down.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    private void Remove(long id)
    {
        lock (_lock)
        {
            if (_pages.Remove(id, out var channel))
            {
                channel.Writer.TryComplete();
            }
        }
    }

    /// <summary>Stops sampling and ends every open page's stream (at once: it does not wait for a round under way).</summary>
    public void Stop()
    {
        _stop.Cancel();
        lock (_lock)
        {
            foreach (var page in _pages.Values)
            {
                page.Writer.TryComplete();
            }

            _pages.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Stop();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dashboard: a sampling round failed")]
    private static partial void LogSampleFailed(ILogger logger, Exception exception);

    private sealed class Unsubscribe(DashboardProducer producer, long id) : IDisposable
    {
        public void Dispose() => producer.Remove(id);
    }
}
