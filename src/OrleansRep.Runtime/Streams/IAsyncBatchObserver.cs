namespace OrleansRep.Runtime.Streams;

/// <summary>
/// Receives a stream's items in batches (Orleans' name): each call carries the items buffered since the previous one,
/// in token order, at most <see cref="MemoryStreamProviderOptions.MaxDeliveryBatchSize"/> of them, never empty and
/// never repeating a token. One call at a time. After <see cref="OnErrorAsync"/> or <see cref="OnCompletedAsync"/>
/// the subscription has ended and no further calls come.
/// </summary>
public interface IAsyncBatchObserver<T>
{
    /// <summary>
    /// The next items. The list belongs to the observer. Throwing ends this subscription with
    /// <see cref="StreamSubscriptionFaultedException"/> at the batch's first token: the whole batch counts as not
    /// delivered, so resubscribing from that token resumes without a gap.
    /// </summary>
    Task OnNextAsync(IList<SequencedItem<T>> batch);

    /// <inheritdoc cref="IAsyncObserver{T}.OnErrorAsync"/>
    Task OnErrorAsync(Exception exception);

    /// <inheritdoc cref="IAsyncObserver{T}.OnCompletedAsync"/>
    Task OnCompletedAsync();
}
