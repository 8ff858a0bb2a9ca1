using System.Runtime.CompilerServices;

namespace OrleansRep.Runtime.Streams;

/// <summary>
/// One stream of a <see cref="MemoryStreamProvider"/>: the retained window, the subscribers, and the publish path.
/// Publishes, subscribes and completion take the stream one at a time, which is what keeps the window and every
/// subscriber's buffer in the same token order.
/// </summary>
internal sealed class MemoryAsyncStream<T> : IAsyncStream<T>, IAsyncDisposable
{
    private readonly MemoryStreamProviderOptions _options;
    private readonly TimeProvider _time;
    private readonly IStreamLog<T>? _log;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly RetainedWindow<T> _window;
    private readonly Lock _subscribersGate = new();
    // Copy-on-write, so a publish reads it without locking.
    private volatile MemoryStreamSubscription<T>[] _subscribers = [];
    private bool _completed;
    private volatile bool _disposed;

    public MemoryAsyncStream(StreamId streamId, MemoryStreamProviderOptions options, TimeProvider time, IStreamLog<T>? log)
    {
        StreamId = streamId;
        _options = options;
        _time = time;
        _log = log;
        _window = new RetainedWindow<T>(options.RetainedItemsPerStream);
    }

    public StreamId StreamId { get; }

    /// <summary>The live subscriptions (for tests and diagnostics).</summary>
    internal IReadOnlyList<MemoryStreamSubscription<T>> Subscribers => _subscribers;

    public async Task<int> OnNextBatchAsync(IReadOnlyList<SequencedItem<T>> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_completed)
            {
                throw new InvalidOperationException($"stream {StreamId} was completed; nothing more can be published");
            }
            var accepted = NewItems(batch);
            if (accepted.Length == 0)
            {
                return 0;
            }
            foreach (var item in accepted)
            {
                _window.Append(item);
            }
            // From here the items are published; cancellation only stops waiting for slow subscribers.
            await FanOutAsync(accepted, cancellationToken).ConfigureAwait(false);
            return accepted.Length;
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>
    /// Checks every token before anything is published (leading retained duplicates are skipped, the rest must
    /// increase) and returns the new items as one copy, shared by every subscriber's buffer: the caller may reuse its
    /// list once the publish returns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // the publish hot loop: no slow tier-0 phase
    private SequencedItem<T>[] NewItems(IReadOnlyList<SequencedItem<T>> batch)
    {
        var last = _window.Last;
        int first = 0;
        while (first < batch.Count && last is { } l && batch[first].Token <= l)
        {
            if (!_window.Contains(batch[first].Token))
            {
                throw new StreamSequenceTokenException(StreamId, batch[first].Token, l);
            }
            first++;
        }
        var items = new SequencedItem<T>[batch.Count - first];
        if (batch is SequencedItem<T>[] array)
        {
            Array.Copy(array, first, items, 0, items.Length);
        }
        else
        {
            for (int i = 0; i < items.Length; i++)
            {
                items[i] = batch[first + i];
            }
        }
        for (int i = 1; i < items.Length; i++)
        {
            if (items[i].Token <= items[i - 1].Token)
            {
                throw new StreamSequenceTokenException(StreamId, items[i].Token, items[i - 1].Token);
            }
        }
        return items;
    }

    public async Task OnCompletedAsync(CancellationToken cancellationToken = default)
    {
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _completed = true;
            foreach (var subscriber in _subscribers)
            {
                subscriber.End(signal: null);
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    public async Task<StreamSubscriptionHandle<T>> SubscribeAsync(
        IAsyncBatchObserver<T> observer, StreamSequenceToken? from = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(observer);
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            SequencedItem<T>[] backlog = [];
            LogReplay<T>? replay = null;
            StreamFellBehindException? fellBehind = null;
            if (from is { } start)
            {
                var windowFrom = _window.AvailableFrom;
                if (start >= windowFrom)
                {
                    backlog = _window.CopyFrom(start);
                }
                else if (_log is null)
                {
                    fellBehind = new StreamFellBehindException(StreamId, start, windowFrom);
                }
                else
                {
                    var logFrom = await _log.GetEarliestAvailableAsync(StreamId, cancellationToken).ConfigureAwait(false);
                    if (start < logFrom)
                    {
                        fellBehind = new StreamFellBehindException(StreamId, start, StreamSequenceToken.Min(logFrom, windowFrom));
                    }
                    else
                    {
                        replay = new LogReplay<T>(_log, start, windowFrom, _options.LogReadBatchSize);
                        backlog = _window.CopyFrom(windowFrom);
                    }
                }
            }
            var subscription = new MemoryStreamSubscription<T>(
                StreamId, observer, _options, backlog, replay, Remove);
            if (fellBehind is not null || _completed)
            {
                subscription.End(fellBehind);
            }
            lock (_subscribersGate)
            {
                _subscribers = [.. _subscribers, subscription];
            }
            subscription.Start();
            return subscription;
        }
        finally
        {
            _turn.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Taking the turn lets a publish or subscribe under way finish (bounded by MaxPublisherWait), so no
        // subscription is added after the snapshot below.
        await _turn.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
        }
        finally
        {
            _turn.Release();
        }
        foreach (var subscriber in _subscribers)
        {
            await subscriber.StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Buffers the items for every subscriber. Full buffers are waited for together (so a fast subscriber is not held
    /// up behind a slow one), up to <see cref="MemoryStreamProviderOptions.MaxPublisherWait"/> in all; a subscriber
    /// still full then (or when the publisher cancels) is cut off with <see cref="StreamFellBehindException"/>.
    /// </summary>
    private Task FanOutAsync(SequencedItem<T>[] items, CancellationToken cancellationToken)
    {
        List<Task>? waits = null;
        long waitStarted = 0;
        foreach (var subscriber in _subscribers)
        {
            int next = subscriber.TryEnqueue(items);
            if (next < items.Length)
            {
                if (waits is null)
                {
                    waits = [];
                    waitStarted = _time.GetTimestamp();
                }
                waits.Add(EnqueueWhenRoomAsync(subscriber, items, next, waitStarted, cancellationToken));
            }
        }
        return waits is null ? Task.CompletedTask : Task.WhenAll(waits);
    }

    private async Task EnqueueWhenRoomAsync(
        MemoryStreamSubscription<T> subscriber, SequencedItem<T>[] items, int next, long waitStarted, CancellationToken cancellationToken)
    {
        while (next < items.Length)
        {
            var remaining = _options.MaxPublisherWait - _time.GetElapsedTime(waitStarted);
            try
            {
                if (!await subscriber.WaitForSpaceAsync(
                    remaining < TimeSpan.Zero ? TimeSpan.Zero : remaining, _time, cancellationToken).ConfigureAwait(false))
                {
                    return; // closed meanwhile (unsubscribed, faulted): this subscriber is done
                }
            }
            catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                subscriber.End(new StreamFellBehindException(StreamId, items[next].Token, _window.AvailableFrom));
                return;
            }
            next += subscriber.TryEnqueue(new ArraySegment<SequencedItem<T>>(items, next, items.Length - next));
        }
    }

    private void Remove(MemoryStreamSubscription<T> subscription)
    {
        lock (_subscribersGate)
        {
            _subscribers = [.. _subscribers.Where(s => s != subscription)];
        }
    }
}
