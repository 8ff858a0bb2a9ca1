using System.Buffers;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Streams;

namespace OrleansRep.Runtime.Hosting;

/// <summary>
/// The owner's end of a subscription from another silo: an observer of the local stream that pushes each batch to the
/// subscriber's silo as a numbered request, whose answer is the credit coming back. At most <c>credits</c> batches are
/// unanswered; then <see cref="OnNextAsync"/> waits, so a slow remote observer holds up this subscription's delivery
/// loop, its bounded buffer fills, and the publisher waits (or cuts it off as fallen behind), as for a local one.
/// A push that fails (the subscriber's silo is gone, or its observer threw) ends the subscription.
/// </summary>
internal sealed class RemoteStreamSubscriber<T>(ClusterStreams cluster, Guid id, SiloAddress subscriber, StreamId streamId, int credits)
    : IAsyncBatchObserver<T>, IRemoteStreamSubscriber
{
    // Only the delivery loop touches these: one call at a time.
    private readonly Queue<(Task Ack, ArrayBufferWriter<byte> Buffer)> _inFlight = new();
    private long _sequence;
    private volatile bool _unsubscribed;
    private StreamSubscriptionHandle<T>? _handle;

    public Guid Id { get; } = id;

    public SiloAddress Subscriber { get; } = subscriber;

    /// <summary>The local subscription; set once the owner has subscribed (an unsubscribe may come first).</summary>
    public StreamSubscriptionHandle<T>? Handle
    {
        set
        {
            _handle = value;
            if (_unsubscribed)
            {
                _ = value?.UnsubscribeAsync();
            }
        }
    }

    public async Task OnNextAsync(IList<SequencedItem<T>> batch)
    {
        while (_inFlight.Count >= credits)
        {
            await AwaitOldestAsync().ConfigureAwait(false);
        }
        // Connected before the frame is queued: calls waiting for a connection could resume in any order.
        var connection = await cluster.ConnectAsync(Subscriber, streamId).ConfigureAwait(false);
        var buffer = cluster.RentBuffer();
        var writer = StreamFrameCodec.Start(buffer, StreamFrameKind.Deliver);
        writer.Guid(Id);
        writer.Int64(_sequence++);
        StreamFrameCodec.WriteItems(writer, batch, batch.Count);
        // No timeout: a slow observer is what credits are for; a dead silo fails the call when its connection closes.
        _inFlight.Enqueue((ClusterStreams.CallAsync(connection, Subscriber, streamId, buffer.WrittenMemory, Timeout.InfiniteTimeSpan), buffer));
    }

    public Task OnErrorAsync(Exception exception) => EndAsync(exception);

    public Task OnCompletedAsync() => EndAsync(null);

    public void Unsubscribe()
    {
        _unsubscribed = true;
        _ = _handle?.UnsubscribeAsync();
    }

    private async Task AwaitOldestAsync()
    {
        var (ack, buffer) = _inFlight.Dequeue();
        await ack.ConfigureAwait(false);
        // Only once answered: the request may have been waiting for a call slot with this memory until then.
        cluster.ReturnBuffer(buffer);
    }

    /// <summary>Sends the end signal after every batch before it was answered, so it reaches the observer last.</summary>
    private async Task EndAsync(Exception? signal)
    {
        cluster.Remove(this);
        while (_inFlight.TryPeek(out var oldest))
        {
            await oldest.Ack.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _inFlight.Dequeue();
        }
        if (_unsubscribed)
        {
            return;
        }
        var buffer = cluster.RentBuffer();
        var writer = StreamFrameCodec.Start(buffer, StreamFrameKind.End);
        writer.Guid(Id);
        StreamFrameCodec.WriteSignal(writer, signal);
        try
        {
            await cluster.CallAsync(Subscriber, streamId, buffer.WrittenMemory).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The subscriber's silo is gone or has already ended the subscription: nobody left to tell.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
