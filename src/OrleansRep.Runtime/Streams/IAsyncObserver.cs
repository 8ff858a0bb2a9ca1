namespace OrleansRep.Runtime.Streams;

/// <summary>
/// Receives a stream's items, one call at a time, in token order. After <see cref="OnErrorAsync"/> or
/// <see cref="OnCompletedAsync"/> the subscription has ended and no further calls come.
/// </summary>
public interface IAsyncObserver<in T>
{
    /// <summary>The next item. Throwing ends this subscription (see <see cref="StreamSubscriptionFaultedException"/>).</summary>
    Task OnNextAsync(T item, StreamSequenceToken token);

    /// <summary>
    /// The subscription ended abnormally: <see cref="StreamFellBehindException"/> when items this subscriber needs
    /// are no longer available (it must catch up by other means and may resubscribe), or
    /// <see cref="StreamSubscriptionFaultedException"/> when <see cref="OnNextAsync"/> threw.
    /// </summary>
    Task OnErrorAsync(Exception exception);

    /// <summary>The publisher completed the stream; every item was delivered.</summary>
    Task OnCompletedAsync();
}
