namespace OrleansRep.Runtime.Streams;

/// <summary>
/// A read-only view of the history of streams kept elsewhere (e.g. a site's write-ahead log), so that a provider
/// can rewind a subscriber past its own retained window. The log is written by its owner, not by the provider.
/// </summary>
public interface IStreamLog<T>
{
    /// <summary>
    /// The smallest token from which the log holds every item of the stream (everything before it was truncated);
    /// <see cref="StreamSequenceToken.First"/> when nothing was ever truncated.
    /// </summary>
    ValueTask<StreamSequenceToken> GetEarliestAvailableAsync(StreamId streamId, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="maxItems"/> items with tokens at or after <paramref name="from"/>, in token order;
    /// empty when there are none.
    /// </summary>
    ValueTask<IReadOnlyList<SequencedItem<T>>> ReadAsync(
        StreamId streamId, StreamSequenceToken from, int maxItems, CancellationToken cancellationToken);
}
