namespace OrleansRep.Runtime.Streams;

/// <summary>A stream of items of type <typeparamref name="T"/>, obtained from an <see cref="IStreamProvider"/>.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "Orleans' name for it.")]
public interface IAsyncStream<T>
{
    /// <summary>Which stream this is.</summary>
    StreamId StreamId { get; }

    /// <summary>
    /// Publishes an item at <paramref name="token"/>, which must be greater than every token published before on
    /// this stream. Re-publishing a token that is still in the retained window is a duplicate (an at-least-once
    /// retry): it is dropped and the result is false. Any other token that is not greater than the last one is a
    /// <see cref="StreamSequenceTokenException"/> and changes nothing. A stream takes one publish at a time.
    /// </summary>
    /// <returns>True if published, false if dropped as a duplicate.</returns>
    /// <exception cref="StreamSequenceTokenException">The token is out of order.</exception>
    /// <exception cref="InvalidOperationException">The stream was completed.</exception>
    Task<bool> OnNextAsync(T item, StreamSequenceToken token, CancellationToken cancellationToken = default);

    /// <summary>Completes the stream: subscribers receive what is buffered, then <c>OnCompletedAsync</c>.</summary>
    Task OnCompletedAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Subscribes <paramref name="observer"/> from <paramref name="from"/> (inclusive; a rewind) or, when null,
    /// from now (only items published after this call returns). If items from <paramref name="from"/> on are no
    /// longer available, the observer gets <see cref="StreamFellBehindException"/> and the subscription ends.
    /// </summary>
    Task<StreamSubscriptionHandle<T>> SubscribeAsync(
        IAsyncObserver<T> observer, StreamSequenceToken? from = null, CancellationToken cancellationToken = default);
}
