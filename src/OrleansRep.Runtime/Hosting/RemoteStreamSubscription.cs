using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Placement;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Streams;

namespace OrleansRep.Runtime.Hosting;

/// <summary>
/// The subscriber's end of a subscription to a stream owned by another silo: batches pushed by the owner are handed to
/// the observer one at a time in push order (each frame checks its number, so a reordering ends the subscription
/// instead of skipping items), tokens already delivered are dropped, and a batch is acknowledged only once the
/// observer has taken it (the owner's credits). The owner's end signal (completed, fell behind, faulted) reaches the
/// observer after the batches before it; if the owner leaves the view the observer gets
/// <see cref="StreamOwnerUnavailableException"/>. An observer that throws ends the subscription with
/// <see cref="StreamSubscriptionFaultedException"/>, and the owner learns it from the failed acknowledgement.
/// </summary>
internal sealed class RemoteStreamSubscription<T> : StreamSubscriptionHandle<T>, IRemoteStreamSubscription
{
    private readonly ClusterStreams _cluster;
    private readonly IAsyncBatchObserver<T> _observer;
    private readonly Lock _gate = new();
    private Task _tail = Task.CompletedTask;
    private long _nextSequence;
    private StreamSequenceToken? _lastDelivered;
    private volatile bool _ended;

    public RemoteStreamSubscription(ClusterStreams cluster, StreamId streamId, SiloAddress owner, IAsyncBatchObserver<T> observer)
    {
        _cluster = cluster;
        StreamId = streamId;
        Owner = owner;
        _observer = observer;
        if (observer is ItemObserverAdapter<T> adapter)
        {
            adapter.IsUnsubscribed = () => _ended;
        }
    }

    public Guid Id => HandleId;

    public override StreamId StreamId { get; }

    public override Guid HandleId { get; } = Guid.NewGuid();

    public SiloAddress Owner { get; }

    public ValueTask<ReadOnlyMemory<byte>> Deliver(ref WireReader reader)
    {
        long sequence = reader.Int64();
        var items = StreamFrameCodec.ReadItems<T>(ref reader);
        reader.EnsureEnd();
        Task<ReadOnlyMemory<byte>> delivery;
        lock (_gate)
        {
            if (_ended)
            {
                throw new InvalidOperationException($"the subscription to stream {StreamId} has ended");
            }
            if (sequence != _nextSequence++)
            {
                EndAfter(new InvalidOperationException($"stream {StreamId}: batch {sequence} arrived where {_nextSequence - 1} was due"));
                throw new InvalidOperationException($"stream {StreamId}: batches arrived out of order");
            }
            // Frames start their handlers in arrival order, so chaining here keeps the push order.
            delivery = DeliverAfterAsync(_tail, items);
            _tail = delivery;
        }
        return new ValueTask<ReadOnlyMemory<byte>>(delivery);
    }

    public void End(ref WireReader reader)
    {
        var signal = StreamFrameCodec.ReadSignal(ref reader, StreamId);
        reader.EnsureEnd();
        lock (_gate)
        {
            EndAfter(signal);
        }
    }

    public void Fail(Exception error)
    {
        lock (_gate)
        {
            EndAfter(error);
        }
    }

    public override async Task UnsubscribeAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_ended)
            {
                return;
            }
            _ended = true;
        }
        _cluster.Remove(this);
        var buffer = _cluster.RentBuffer();
        var writer = StreamFrameCodec.Start(buffer, StreamFrameKind.Unsubscribe);
        writer.Guid(Id);
        try
        {
            await _cluster.CallAsync(Owner, StreamId, buffer.WrittenMemory, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (SiloUnavailableException)
        {
            // The owner is gone, and its subscriptions with it.
        }
    }

    /// <summary>Ends the subscription (once) and queues the observer's final call after the batches before it; holds the gate.</summary>
    private void EndAfter(Exception? signal)
    {
        if (_ended)
        {
            return;
        }
        _ended = true;
        _cluster.Remove(this);
        _tail = SignalAfterAsync(_tail, signal);
    }

    private async Task<ReadOnlyMemory<byte>> DeliverAfterAsync(Task previous, List<SequencedItem<T>> items)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_lastDelivered is { } last && items.Count > 0 && items[0].Token <= last)
        {
            items = items.FindAll(i => i.Token > last); // at-least-once in, exactly-once to the observer
        }
        if (_ended)
        {
            throw new InvalidOperationException($"the subscription to stream {StreamId} has ended");
        }
        if (items.Count == 0)
        {
            return ReadOnlyMemory<byte>.Empty;
        }
        _lastDelivered = items[^1].Token;
        try
        {
            await _observer.OnNextAsync(items).ConfigureAwait(false);
        }
        catch (Exception failure)
        {
            var signal = failure as StreamSubscriptionFaultedException ?? new StreamSubscriptionFaultedException(StreamId, items[0].Token, failure);
            lock (_gate)
            {
                if (!_ended)
                {
                    _ended = true;
                    _cluster.Remove(this);
                    _tail = SignalAfterAsync(Task.CompletedTask, signal);
                }
            }
            throw; // the failed acknowledgement ends the owner's side
        }
        return ReadOnlyMemory<byte>.Empty;
    }

    private async Task SignalAfterAsync(Task previous, Exception? signal)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            await (signal is null ? _observer.OnCompletedAsync() : _observer.OnErrorAsync(signal)).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The subscription is over; an observer failing on its last call has no one to tell.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
