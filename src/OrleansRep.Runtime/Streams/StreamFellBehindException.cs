namespace OrleansRep.Runtime.Streams;

/// <summary>
/// Told to a subscriber (through <c>OnErrorAsync</c>) that needs items the stream no longer has: it asked to start
/// before the retained history, or it was so slow that the publisher could not wait for it. The subscription has
/// ended; the subscriber must catch up by other means (e.g. a snapshot) and may resubscribe from
/// <see cref="EarliestAvailable"/> or later.
/// </summary>
public sealed class StreamFellBehindException(
    StreamId streamId, StreamSequenceToken firstMissed, StreamSequenceToken earliestAvailable)
    : Exception($"stream {streamId}: the subscriber needs items from token {firstMissed}, but the earliest available is {earliestAvailable}")
{
    /// <summary>The stream.</summary>
    public StreamId StreamId { get; } = streamId;

    /// <summary>The first token this subscriber did not and will not receive.</summary>
    public StreamSequenceToken FirstMissed { get; } = firstMissed;

    /// <summary>The earliest token the stream (window or log) could still deliver when this was raised.</summary>
    public StreamSequenceToken EarliestAvailable { get; } = earliestAvailable;
}
