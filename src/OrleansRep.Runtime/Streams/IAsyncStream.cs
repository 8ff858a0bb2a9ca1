namespace OrleansRep.Runtime.Streams;

/// <summary>
/// A stream of items of type <typeparamref name="T"/>, obtained from an <see cref="IStreamProvider"/>. Batches are
/// the native path (<see cref="OnNextBatchAsync"/>, <see cref="IAsyncBatchObserver{T}"/>); the per-item members are
/// one-item batches.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "Orleans' name for it.")]
public interface IAsyncStream<T>
{
    /// <summary>Which stream this is.</summary>
    StreamId StreamId { get; }

    /// <summary>
    /// Publishes <paramref name="batch"/>, whose tokens must increase along it and be greater than every token
    /// published before on this stream. Leading items whose tokens are still in the retained window are duplicates
    /// (an at-least-once retry): they are dropped and not counted. Any other token out of order is a
    /// <see cref="StreamSequenceTokenException"/> and publishes nothing of the batch. A stream takes one publish at
    /// a time; the call returns once every item is in every subscriber's buffer (backpressure).
    /// <para>Orleans' <c>OnNextBatchAsync(IEnumerable&lt;T&gt;, StreamSequenceToken)</c> takes one token for the
    /// batch; here each item carries its own, so tokens may have gaps (a log's sequence numbers).</para>
    /// </summary>
    /// <returns>How many items were published (the rest were dropped as duplicates).</returns>
    /// <exception cref="StreamSequenceTokenException">A token is out of order; nothing was published.</exception>
    /// <exception cref="InvalidOperationException">The stream was completed.</exception>
    Task<int> OnNextBatchAsync(IReadOnlyList<SequencedItem<T>> batch, CancellationToken cancellationToken = default);

    /// <summary>Publishes one item (a batch of one; see <see cref="OnNextBatchAsync"/>).</summary>
    /// <returns>True if published, false if dropped as a duplicate.</returns>
    async Task<bool> OnNextAsync(T item, StreamSequenceToken token, CancellationToken cancellationToken = default) =>
        await OnNextBatchAsync([new SequencedItem<T>(item, token)], cancellationToken).ConfigureAwait(false) == 1;

    /// <summary>Completes the stream: subscribers receive what is buffered, then <c>OnCompletedAsync</c>.</summary>
    Task OnCompletedAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Subscribes <paramref name="observer"/> from <paramref name="from"/> (inclusive; a rewind) or, when null,
    /// from now (only items published after this call returns). If items from <paramref name="from"/> on are no
    /// longer available, the observer gets <see cref="StreamFellBehindException"/> and the subscription ends.
    /// </summary>
    Task<StreamSubscriptionHandle<T>> SubscribeAsync(
        IAsyncBatchObserver<T> observer, StreamSequenceToken? from = null, CancellationToken cancellationToken = default);

    /// <summary>Subscribes a per-item observer (see the batch overload): one <c>OnNextAsync</c> per item.</summary>
    Task<StreamSubscriptionHandle<T>> SubscribeAsync(
        IAsyncObserver<T> observer, StreamSequenceToken? from = null, CancellationToken cancellationToken = default) =>
        SubscribeAsync(new ItemObserverAdapter<T>(StreamId, observer ?? throw new ArgumentNullException(nameof(observer))), from, cancellationToken);
}
