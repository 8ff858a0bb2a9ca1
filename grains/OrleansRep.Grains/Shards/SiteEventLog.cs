using System.Globalization;
using System.Threading.Channels;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Runtime.Hosting;
using OrleansRep.Runtime.Streams;

namespace OrleansRep.Grains.Shards;

/// <summary>
/// The site's event feed (a silo serves one site, so one per silo): replicas <see cref="Add"/> their events; the
/// newest are kept for <c>RecentEvents</c>, and every event is published on <see cref="Stream"/>
/// (namespace <see cref="SiteStatus.EventNamespace"/>, key the site id; token = the event's sequence number, so a
/// subscriber can rewind within the retained window). Adding never waits: a bounded queue between the replicas and
/// the stream drops the oldest pending event if the stream falls that far behind.
/// </summary>
public sealed class SiteEventLog : IAsyncDisposable
{
    private readonly Queue<SiteEvent> _recent = new();
    private readonly Lock _lock = new();
    private readonly int _capacity;
    private readonly MemoryStreamProvider _streams;
    private readonly Channel<SiteEvent> _pending;
    private readonly Task _pump;

    public SiteEventLog(SiteStorageOptions options, LocalSiloDetails silo, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(silo);
        _capacity = options.MaxRecentEvents;
        _streams = new MemoryStreamProvider(new MemoryStreamProviderOptions { RetainedItemsPerStream = _capacity }, time);
        var site = options.SiteId ?? silo.SiteId ?? 0;
        Stream = _streams.GetStream<SiteEvent>(new StreamId(SiteStatus.EventNamespace, site.ToString(CultureInfo.InvariantCulture)));
        _pending = Channel.CreateBounded<SiteEvent>(new BoundedChannelOptions(_capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest });
        _pump = Task.Run(PublishAsync);
    }

    /// <summary>The site's event stream.</summary>
    public IAsyncStream<SiteEvent> Stream { get; }

    public void Add(SiteEvent e)
    {
        lock (_lock)
        {
            if (_recent.Count >= _capacity)
            {
                _recent.Dequeue();
            }

            _recent.Enqueue(e);
        }

        _pending.Writer.TryWrite(e);
    }

    /// <summary>The retained events, oldest first (of one shard when <paramref name="shard"/> is given).</summary>
    public IReadOnlyList<SiteEvent> Snapshot(int? shard = null)
    {
        lock (_lock)
        {
            return [.. _recent.Where(e => shard is null || e.Shard == shard)];
        }
    }

    private async Task PublishAsync()
    {
        long sequence = 0;
        await foreach (var e in _pending.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await Stream.OnNextAsync(e, new StreamSequenceToken(++sequence)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A subscriber too slow for the publisher's wait: this event is skipped on the stream (it stays in the
                // recent events); the feed goes on.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _pump.ConfigureAwait(false);
        await _streams.DisposeAsync().ConfigureAwait(false);
    }
}
