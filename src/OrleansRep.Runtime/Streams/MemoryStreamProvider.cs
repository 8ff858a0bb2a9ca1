namespace OrleansRep.Runtime.Streams;

/// <summary>
/// Streams kept in this process. Each stream retains its last
/// <see cref="MemoryStreamProviderOptions.RetainedItemsPerStream"/> items; each subscriber has a bounded buffer.
/// <para>
/// Backpressure: a publish returns once the item is in every subscriber's buffer. While a subscriber's buffer is
/// full the publisher waits for it to drain, for at most <see cref="MemoryStreamProviderOptions.MaxPublisherWait"/>
/// per item; a subscriber that is still full then is cut off with <see cref="StreamFellBehindException"/> (after
/// its buffered items) so it cannot stall the stream. A subscriber that publishes to its own stream from
/// <c>OnNextAsync</c> can therefore delay itself by that bound, never deadlock.
/// </para>
/// <para>
/// Cancelling a publish cancels the wait for the stream; once the item is accepted it is published, and the
/// cancellation only ends the wait for full subscribers, which are then cut off like slow ones. A retry of that
/// token is then a dropped duplicate.
/// </para>
/// <para>
/// History: a namespace can be backed by an <see cref="IStreamLog{T}"/> (<see cref="RegisterLog{T}"/>); a rewind
/// to a token older than the window then reads the log in bounded batches before switching to the window.
/// </para>
/// </summary>
public sealed class MemoryStreamProvider : IStreamProvider, IAsyncDisposable
{
    private readonly MemoryStreamProviderOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<StreamId, IAsyncDisposable> _streams = [];
    private readonly Dictionary<string, object> _logs = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>Creates a provider; <paramref name="options"/> are copied and checked.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public MemoryStreamProvider(MemoryStreamProviderOptions? options = null, TimeProvider? timeProvider = null)
    {
        options ??= new MemoryStreamProviderOptions();
        options.Validate();
        _options = new MemoryStreamProviderOptions
        {
            RetainedItemsPerStream = options.RetainedItemsPerStream,
            SubscriberBufferCapacity = options.SubscriberBufferCapacity,
            MaxPublisherWait = options.MaxPublisherWait,
            LogReadBatchSize = options.LogReadBatchSize,
            MaxDeliveryBatchSize = options.MaxDeliveryBatchSize,
            MaxBatchesInFlight = options.MaxBatchesInFlight,
        };
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The bounds this provider was created with (a copy).</summary>
    internal MemoryStreamProviderOptions Options => _options;

    /// <summary>Backs every stream of <paramref name="streamNamespace"/> with <paramref name="log"/> for rewinds.</summary>
    /// <exception cref="InvalidOperationException">The namespace already has a log or streams.</exception>
    public void RegisterLog<T>(string streamNamespace, IStreamLog<T> log)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamNamespace);
        ArgumentNullException.ThrowIfNull(log);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_logs.ContainsKey(streamNamespace) || _streams.Keys.Any(id => id.Namespace == streamNamespace))
            {
                throw new InvalidOperationException(
                    $"stream namespace \"{streamNamespace}\" already has a log or streams; register its log first");
            }
            _logs.Add(streamNamespace, log);
        }
    }

    /// <inheritdoc/>
    public IAsyncStream<T> GetStream<T>(StreamId streamId)
    {
        if (streamId.IsDefault)
        {
            throw new ArgumentException("a stream id needs a namespace and a key", nameof(streamId));
        }
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_streams.TryGetValue(streamId, out var existing))
            {
                return existing as IAsyncStream<T> ?? throw new InvalidOperationException(
                    $"stream {streamId} carries {existing.GetType().GetGenericArguments()[0].Name}, not {typeof(T).Name}");
            }
            IStreamLog<T>? log = null;
            if (_logs.TryGetValue(streamId.Namespace, out var registered))
            {
                log = registered as IStreamLog<T> ?? throw new InvalidOperationException(
                    $"the log of stream namespace \"{streamId.Namespace}\" does not carry {typeof(T).Name}");
            }
            var stream = new MemoryAsyncStream<T>(streamId, _options, _time, log);
            _streams.Add(streamId, stream);
            return stream;
        }
    }

    /// <summary>
    /// Stops every delivery loop (observers get no final call) and refuses further use. Waits for observer calls
    /// under way to return.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        IAsyncDisposable[] streams;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            streams = [.. _streams.Values];
        }
        foreach (var stream in streams)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }
}
