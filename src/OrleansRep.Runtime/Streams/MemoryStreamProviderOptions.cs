namespace OrleansRep.Runtime.Streams;

/// <summary>
/// Bounds of the <see cref="MemoryStreamProvider"/>. Memory per stream is at most
/// <see cref="RetainedItemsPerStream"/> items plus, per subscriber, <see cref="SubscriberBufferCapacity"/> items and,
/// while it rewinds, a snapshot of the window and one log batch of <see cref="LogReadBatchSize"/> items; a subscriber on
/// another silo adds at most <see cref="MaxBatchesInFlight"/> encoded batches in flight.
/// </summary>
public sealed class MemoryStreamProviderOptions
{
    /// <summary>
    /// How many of the most recent items each stream keeps for rewinds and duplicate detection. Default 1,024.
    /// </summary>
    public int RetainedItemsPerStream { get; set; } = 1024;

    /// <summary>
    /// How many items may wait for one subscriber before the publisher has to wait (backpressure). Default 256.
    /// </summary>
    public int SubscriberBufferCapacity { get; set; } = 256;

    /// <summary>
    /// The longest a publisher waits, per item and for all subscribers together, for full subscriber buffers to
    /// drain. A subscriber still full at the deadline is cut off with <see cref="StreamFellBehindException"/> and
    /// the publisher goes on, so one slow subscriber delays publishing by at most this much and never blocks it
    /// for good. Zero means never wait (cut off at once). Default 10 seconds.
    /// </summary>
    public TimeSpan MaxPublisherWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The most items one <see cref="IAsyncBatchObserver{T}.OnNextAsync"/> call carries; a delivery takes whatever is
    /// buffered up to this. Default 1,024.
    /// </summary>
    public int MaxDeliveryBatchSize { get; set; } = 1024;

    /// <summary>
    /// Batches pushed to a subscriber on another silo and not yet acknowledged by it (its credits). When they are all
    /// out, delivery waits, the subscriber's buffer on the owner fills, and then the publisher waits. Default 4.
    /// </summary>
    public int MaxBatchesInFlight { get; set; } = 4;

    /// <summary>How many items a rewinding subscriber reads from an external log at once. Default 256.</summary>
    public int LogReadBatchSize { get; set; } = 256;

    /// <summary>Checks every bound.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A bound is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(RetainedItemsPerStream, 1, nameof(RetainedItemsPerStream));
        ArgumentOutOfRangeException.ThrowIfLessThan(SubscriberBufferCapacity, 1, nameof(SubscriberBufferCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPublisherWait, TimeSpan.Zero, nameof(MaxPublisherWait));
        ArgumentOutOfRangeException.ThrowIfLessThan(LogReadBatchSize, 1, nameof(LogReadBatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDeliveryBatchSize, 1, nameof(MaxDeliveryBatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchesInFlight, 1, nameof(MaxBatchesInFlight));
    }
}
