namespace OrleansRep.Runtime.Streams;

/// <summary>One subscription to a stream (Orleans' name); providers derive their own.</summary>
public abstract class StreamSubscriptionHandle<T>
{
    /// <summary>The stream subscribed to.</summary>
    public abstract StreamId StreamId { get; }

    /// <summary>Distinguishes this subscription from others to the same stream.</summary>
    public abstract Guid HandleId { get; }

    /// <summary>
    /// Ends the subscription: once this returns, no new item is handed to the observer (a call already under way
    /// may finish) and items still buffered for it are dropped. Safe to call more than once and from the observer.
    /// </summary>
    public abstract Task UnsubscribeAsync(CancellationToken cancellationToken = default);
}
