namespace OrleansRep.Runtime.Streams;

/// <summary>
/// Runs a per-item <see cref="IAsyncObserver{T}"/> on the batch path: one <c>OnNextAsync</c> per item of each batch.
/// An item that throws faults the subscription at that item's token (not the batch's first), so a resubscription
/// from it repeats nothing the observer took. Once the subscription is unsubscribed (<see cref="IsUnsubscribed"/>) the
/// rest of the batch is dropped, as the per-item contract says.
/// </summary>
internal sealed class ItemObserverAdapter<T>(StreamId streamId, IAsyncObserver<T> observer) : IAsyncBatchObserver<T>
{
    /// <summary>Set by the subscription that delivers to this adapter.</summary>
    public Func<bool> IsUnsubscribed { get; set; } = static () => false;

    public async Task OnNextAsync(IList<SequencedItem<T>> batch)
    {
        foreach (var (item, token) in batch)
        {
            if (IsUnsubscribed())
            {
                return;
            }
            try
            {
                await observer.OnNextAsync(item, token).ConfigureAwait(false);
            }
            catch (Exception failure)
            {
                throw new StreamSubscriptionFaultedException(streamId, token, failure);
            }
        }
    }

    public Task OnErrorAsync(Exception exception) => observer.OnErrorAsync(exception);

    public Task OnCompletedAsync() => observer.OnCompletedAsync();
}
