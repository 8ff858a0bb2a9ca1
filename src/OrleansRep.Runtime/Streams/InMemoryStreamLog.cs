namespace OrleansRep.Runtime.Streams;

/// <summary>
/// An <see cref="IStreamLog{T}"/> held in memory: what a write-ahead log would give, for tests and for hosts
/// without one. Its owner appends (tokens increasing per stream) and truncates; it keeps at most
/// <c>maxItemsPerStream</c> items per stream, truncating the oldest beyond that.
/// </summary>
public sealed class InMemoryStreamLog<T> : IStreamLog<T>
{
    private readonly int _maxItemsPerStream;
    private readonly Lock _gate = new();
    private readonly Dictionary<StreamId, StreamHistory> _streams = [];

    /// <summary>Creates a log keeping at most <paramref name="maxItemsPerStream"/> items per stream (default 65,536).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The bound is below 1.</exception>
    public InMemoryStreamLog(int maxItemsPerStream = 65_536)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItemsPerStream, 1);
        _maxItemsPerStream = maxItemsPerStream;
    }

    /// <summary>Appends an item; its token must be after the stream's last one.</summary>
    /// <exception cref="StreamSequenceTokenException">The token is not after the last one; nothing changed.</exception>
    public void Append(StreamId streamId, T item, StreamSequenceToken token)
    {
        lock (_gate)
        {
            var history = GetHistory(streamId);
            if (history.Items.Count > 0 && token <= history.Items[^1].Token)
            {
                throw new StreamSequenceTokenException(streamId, token, history.Items[^1].Token);
            }
            history.Items.Add(new SequencedItem<T>(item, token));
            if (history.Items.Count > _maxItemsPerStream)
            {
                DropOldest(history, history.Items.Count - _maxItemsPerStream);
            }
        }
    }

    /// <summary>Discards every item of the stream before <paramref name="before"/>, as a checkpoint would.</summary>
    public void TruncateBefore(StreamId streamId, StreamSequenceToken before)
    {
        lock (_gate)
        {
            var history = GetHistory(streamId);
            int count = history.Items.FindIndex(i => i.Token >= before);
            DropOldest(history, count < 0 ? history.Items.Count : count);
            if (before > history.EarliestAvailable)
            {
                history.EarliestAvailable = before;
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask<StreamSequenceToken> GetEarliestAvailableAsync(StreamId streamId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_streams.TryGetValue(streamId, out var history)
                ? history.EarliestAvailable
                : StreamSequenceToken.First);
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<SequencedItem<T>>> ReadAsync(
        StreamId streamId, StreamSequenceToken from, int maxItems, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        lock (_gate)
        {
            if (!_streams.TryGetValue(streamId, out var history))
            {
                return ValueTask.FromResult<IReadOnlyList<SequencedItem<T>>>([]);
            }
            int first = history.Items.FindIndex(i => i.Token >= from);
            if (first < 0)
            {
                return ValueTask.FromResult<IReadOnlyList<SequencedItem<T>>>([]);
            }
            int count = Math.Min(maxItems, history.Items.Count - first);
            return ValueTask.FromResult<IReadOnlyList<SequencedItem<T>>>(history.Items.GetRange(first, count));
        }
    }

    private StreamHistory GetHistory(StreamId streamId)
    {
        if (streamId.IsDefault)
        {
            throw new ArgumentException("a stream id needs a namespace and a key", nameof(streamId));
        }
        if (!_streams.TryGetValue(streamId, out var history))
        {
            history = new StreamHistory();
            _streams.Add(streamId, history);
        }
        return history;
    }

    private static void DropOldest(StreamHistory history, int count)
    {
        if (count <= 0)
        {
            return;
        }
        history.EarliestAvailable = history.Items[count - 1].Token.Next();
        history.Items.RemoveRange(0, count);
    }

    private sealed class StreamHistory
    {
        public List<SequencedItem<T>> Items { get; } = [];

        public StreamSequenceToken EarliestAvailable { get; set; } = StreamSequenceToken.First;
    }
}
