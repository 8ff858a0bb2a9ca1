namespace OrleansRep.Runtime.Streams;

/// <summary>
/// One subscriber of a <see cref="MemoryAsyncStream{T}"/>: a bounded buffer the publisher writes into and a
/// delivery loop that hands the observer whatever is buffered as one batch (up to
/// <see cref="MemoryStreamProviderOptions.MaxDeliveryBatchSize"/> items), one batch at a time, in token order,
/// dropping tokens it has already delivered. A rewind first replays an external log, then a snapshot of the
/// stream's window, then the buffer.
/// </summary>
internal sealed class MemoryStreamSubscription<T> : StreamSubscriptionHandle<T>
{
    private readonly IAsyncBatchObserver<T> _observer;
    private readonly int _maxBatch;
    private readonly SubscriberBuffer<T> _buffer;
    // Set by UnsubscribeAsync; the completed buffer then wakes every waiter, so no cancellation source is needed.
    private volatile bool _unsubscribed;
    private readonly Action<MemoryStreamSubscription<T>> _onEnded;
    private readonly LogReplay<T>? _replay;
    private SequencedItem<T>[]? _backlog;
    private Exception? _endSignal;
    // The last token put into a batch: batches go out one at a time and a failed one ends the subscription.
    private StreamSequenceToken? _lastBatched;
    private Task _completion = Task.CompletedTask;

    public MemoryStreamSubscription(
        StreamId streamId,
        IAsyncBatchObserver<T> observer,
        MemoryStreamProviderOptions options,
        SequencedItem<T>[] backlog,
        LogReplay<T>? replay,
        Action<MemoryStreamSubscription<T>> onEnded)
    {
        StreamId = streamId;
        _observer = observer;
        _backlog = backlog;
        _replay = replay;
        _onEnded = onEnded;
        _maxBatch = options.MaxDeliveryBatchSize;
        if (observer is ItemObserverAdapter<T> adapter)
        {
            adapter.IsUnsubscribed = () => _unsubscribed;
        }
        _buffer = new SubscriberBuffer<T>(options.SubscriberBufferCapacity);
    }

    public override StreamId StreamId { get; }

    public override Guid HandleId { get; } = Guid.NewGuid();

    /// <summary>Items waiting in this subscriber's buffer (never more than its capacity).</summary>
    internal int BufferedCount => _buffer.Count;

    /// <summary>Ends when the delivery loop has finished, including the final OnError/OnCompleted call.</summary>
    internal Task Completion => _completion;

    internal void Start() => _completion = Task.Run(RunAsync);

    /// <summary>Buffers as many items of <paramref name="run"/> as fit without waiting; how many (none once ended).</summary>
    internal int TryEnqueue(ArraySegment<SequencedItem<T>> run) => _buffer.TryWrite(run);

    /// <summary>
    /// Waits until the buffer has room: true then, false if the subscription ended meanwhile.
    /// </summary>
    /// <exception cref="TimeoutException">Still full after <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException">The publisher gave up waiting.</exception>
    /// <remarks>Ending the subscription completes the buffer, which makes this wait return false.</remarks>
    internal Task<bool> WaitForSpaceAsync(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken) =>
        _buffer.WaitToWriteAsync().WaitAsync(timeout, timeProvider, cancellationToken);

    /// <summary>
    /// Accepts no more items: what is buffered is still delivered, then the observer gets <paramref name="signal"/>
    /// through OnErrorAsync, or OnCompletedAsync when there is none. The first signal wins.
    /// </summary>
    internal void End(Exception? signal)
    {
        if (signal is not null)
        {
            Interlocked.CompareExchange(ref _endSignal, signal, null);
        }
        _buffer.Complete();
    }

    public override Task UnsubscribeAsync(CancellationToken cancellationToken = default)
    {
        // Not awaiting the loop: the observer itself may be calling this from OnNextAsync.
        _unsubscribed = true;
        _buffer.Complete();
        return Task.CompletedTask;
    }

    /// <summary>Stops delivery without telling the observer and waits for the loop (provider shutdown).</summary>
    internal async Task StopAsync()
    {
        await UnsubscribeAsync().ConfigureAwait(false);
        await _completion.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        try
        {
            await DeliverAllAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A failing external log ends this subscription only; the observer is told why.
        catch (Exception logFailure)
#pragma warning restore CA1031
        {
            Volatile.Write(ref _endSignal, logFailure);
        }
        _buffer.Complete();
        _onEnded(this);
        if (!_unsubscribed) // an unsubscribed observer gets no final call
        {
            await SignalEndAsync().ConfigureAwait(false);
        }
    }

    private async Task DeliverAllAsync()
    {
        if (_replay is not null && !await ReplayLogAsync(_replay).ConfigureAwait(false))
        {
            return;
        }
        var backlog = _backlog!;
        _backlog = null;
        for (int i = 0; i < backlog.Length; i += _maxBatch)
        {
            if (!await DeliverAsync(backlog.AsSpan(i, Math.Min(_maxBatch, backlog.Length - i)).ToArray()).ConfigureAwait(false))
            {
                return;
            }
        }
        while (await _buffer.WaitToReadAsync().ConfigureAwait(false))
        {
            if (!await DeliverAsync(_buffer.Take(_maxBatch)).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>Reads the log in bounded batches; false if the subscription ended (fell behind or faulted).</summary>
    private async Task<bool> ReplayLogAsync(LogReplay<T> replay)
    {
        var next = replay.From;
        while (next < replay.Until)
        {
            var batch = await replay.Log.ReadAsync(StreamId, next, replay.BatchSize, CancellationToken.None).ConfigureAwait(false);
            // Checked after the read: a truncation racing with it may have removed items the batch skipped over.
            var earliest = await replay.Log.GetEarliestAvailableAsync(StreamId, CancellationToken.None).ConfigureAwait(false);
            if (earliest > next || batch.Count == 0)
            {
                // Either the log was truncated past us, or it ends before the window begins: items are missing.
                var available = earliest > next ? StreamSequenceToken.Min(earliest, replay.Until) : replay.Until;
                End(new StreamFellBehindException(StreamId, next, available));
                return false;
            }
            var before = batch.Where(i => i.Token < replay.Until).ToList();
            if (!await DeliverAsync(before).ConfigureAwait(false))
            {
                return false;
            }
            if (before.Count < batch.Count)
            {
                return true; // the window takes over from here
            }
            next = batch[^1].Token.Next();
        }
        return true;
    }

    /// <summary>
    /// Hands the items not yet delivered to the observer as one batch; false if the subscription stopped or the
    /// observer failed.
    /// </summary>
    private async Task<bool> DeliverAsync(IList<SequencedItem<T>> items)
    {
        if (items.Count > 0 && _lastBatched is { } last && items[0].Token <= last)
        {
            // At-least-once in, exactly-once to the observer.
            items = items.Where(i => i.Token > last).ToList();
        }
        if (items.Count == 0)
        {
            return true;
        }
        if (_unsubscribed)
        {
            return false;
        }
        _lastBatched = items[^1].Token;
        try
        {
            await _observer.OnNextAsync(items).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Observer code is foreign: its failure ends its own subscription, never the stream.
        catch (Exception failure)
#pragma warning restore CA1031
        {
            Volatile.Write(ref _endSignal, failure as StreamSubscriptionFaultedException
                ?? new StreamSubscriptionFaultedException(StreamId, items[0].Token, failure));
            _buffer.Complete();
            return false;
        }
        return true;
    }

    private async Task SignalEndAsync()
    {
        try
        {
            var signal = Volatile.Read(ref _endSignal);
            await (signal is null ? _observer.OnCompletedAsync() : _observer.OnErrorAsync(signal)).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The subscription is over; an observer failing on its last call has no one to tell.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
