namespace OrleansRep.Runtime.Streams;

/// <summary>
/// A publisher offered a token that is not after the last one and is not a duplicate of a retained item (a gap
/// fill or a stale retry). Accepting it would break per-stream order, so nothing was changed.
/// </summary>
public sealed class StreamSequenceTokenException(
    StreamId streamId, StreamSequenceToken offered, StreamSequenceToken lastPublished)
    : Exception($"stream {streamId}: token {offered} is out of order; the last published token is {lastPublished}")
{
    /// <summary>The stream.</summary>
    public StreamId StreamId { get; } = streamId;

    /// <summary>The rejected token.</summary>
    public StreamSequenceToken Offered { get; } = offered;

    /// <summary>The last token the stream accepted.</summary>
    public StreamSequenceToken LastPublished { get; } = lastPublished;
}
