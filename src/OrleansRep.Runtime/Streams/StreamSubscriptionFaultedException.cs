namespace OrleansRep.Runtime.Streams;

/// <summary>
/// Told to a subscriber (through <c>OnErrorAsync</c>) whose <c>OnNextAsync</c> threw. Its subscription has ended;
/// the item at <see cref="FailedToken"/> counts as not delivered, so resubscribing from it resumes without a gap.
/// Other subscribers of the stream are not affected.
/// </summary>
public sealed class StreamSubscriptionFaultedException(StreamId streamId, StreamSequenceToken failedToken, Exception inner)
    : Exception($"stream {streamId}: the observer failed on token {failedToken}: {inner.Message}", inner)
{
    /// <summary>The stream.</summary>
    public StreamId StreamId { get; } = streamId;

    /// <summary>The token of the item the observer failed on.</summary>
    public StreamSequenceToken FailedToken { get; } = failedToken;
}
