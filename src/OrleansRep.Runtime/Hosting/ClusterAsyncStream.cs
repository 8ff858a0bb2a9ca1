using System.Buffers.Binary;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Streams;

namespace OrleansRep.Runtime.Hosting;

/// <summary>
/// A stream as seen from any silo of the cluster. Each operation places the stream on the current view: on this silo
/// it runs on the local <see cref="MemoryStreamProvider"/> stream; elsewhere a publish or completion is forwarded to
/// the owner (and waits for its backpressure), and a subscription is registered there and fed by pushes
/// (<see cref="RemoteStreamSubscription{T}"/>). As the owner it also serves the frames other silos send
/// (<see cref="IOwnedStream"/>).
/// </summary>
internal sealed class ClusterAsyncStream<T>(ClusterStreams cluster, string provider, MemoryStreamProvider local, StreamId streamId)
    : IAsyncStream<T>, IOwnedStream
{
    public StreamId StreamId { get; } = streamId;

    private IAsyncStream<T> Local => local.GetStream<T>(StreamId);

    public Task<int> OnNextBatchAsync(IReadOnlyList<SequencedItem<T>> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return cluster.RemoteOwnerOf(StreamId) is { } owner
            ? PublishRemoteAsync(owner, batch, cancellationToken)
            : Local.OnNextBatchAsync(batch, cancellationToken);
    }

    public async Task OnCompletedAsync(CancellationToken cancellationToken = default)
    {
        if (cluster.RemoteOwnerOf(StreamId) is not { } owner)
        {
            await Local.OnCompletedAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        var buffer = cluster.RentBuffer();
        var writer = StreamFrameCodec.Start(buffer, StreamFrameKind.Complete);
        StreamFrameCodec.WriteStream<T>(writer, provider, StreamId);
        await cluster.CallAsync(owner, StreamId, buffer.WrittenMemory, cancellationToken: cancellationToken).ConfigureAwait(false);
        cluster.ReturnBuffer(buffer);
    }

    public async Task<StreamSubscriptionHandle<T>> SubscribeAsync(
        IAsyncBatchObserver<T> observer, StreamSequenceToken? from = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (cluster.RemoteOwnerOf(StreamId) is not { } owner)
        {
            return await Local.SubscribeAsync(observer, from, cancellationToken).ConfigureAwait(false);
        }
        // Registered before asking, so pushes that overtake the answer find it.
        var subscription = new RemoteStreamSubscription<T>(cluster, StreamId, owner, observer);
        cluster.Add(subscription);
        var buffer = cluster.RentBuffer();
        var writer = StreamFrameCodec.Start(buffer, StreamFrameKind.Subscribe);
        StreamFrameCodec.WriteStream<T>(writer, provider, StreamId);
        writer.Guid(subscription.Id);
        StreamFrameCodec.WriteSilo(writer, cluster.Self);
        writer.Byte(from is null ? (byte)0 : (byte)1);
        writer.Int64(from?.SequenceNumber ?? 0);
        try
        {
            await cluster.CallAsync(owner, StreamId, buffer.WrittenMemory, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            cluster.Remove(subscription);
            throw;
        }
        cluster.ReturnBuffer(buffer);
        return subscription;
    }

    public ValueTask<ReadOnlyMemory<byte>> HandleOwnerFrame(StreamFrameKind kind, ref WireReader reader)
    {
        switch (kind)
        {
            case StreamFrameKind.Publish:
                var items = StreamFrameCodec.ReadItems<T>(ref reader);
                reader.EnsureEnd();
                return PublishLocalAsync(items);
            case StreamFrameKind.Complete:
                reader.EnsureEnd();
                return CompleteLocalAsync();
            default:
                var id = reader.Guid();
                var silo = StreamFrameCodec.ReadSilo(ref reader);
                bool rewinds = reader.Byte() != 0;
                var from = new StreamSequenceToken(reader.Int64());
                reader.EnsureEnd();
                return SubscribeRemoteAsync(id, silo, rewinds ? from : null);
        }
    }

    private async Task<int> PublishRemoteAsync(SiloAddress owner, IReadOnlyList<SequencedItem<T>> batch, CancellationToken cancellationToken)
    {
        var buffer = cluster.RentBuffer();
        var writer = StreamFrameCodec.Start(buffer, StreamFrameKind.Publish);
        StreamFrameCodec.WriteStream<T>(writer, provider, StreamId);
        StreamFrameCodec.WriteItems(writer, batch, batch.Count);
        var answer = await cluster.CallAsync(owner, StreamId, buffer.WrittenMemory, cancellationToken: cancellationToken).ConfigureAwait(false);
        cluster.ReturnBuffer(buffer);
        var reader = new WireReader(answer);
        return reader.Byte() == 0
            ? reader.Int32()
            : throw new StreamSequenceTokenException(StreamId, new StreamSequenceToken(reader.Int64()), new StreamSequenceToken(reader.Int64()));
    }

    private async ValueTask<ReadOnlyMemory<byte>> PublishLocalAsync(List<SequencedItem<T>> items)
    {
        var answer = new byte[17];
        try
        {
            int published = await Local.OnNextBatchAsync(items).ConfigureAwait(false);
            BinaryPrimitives.WriteInt32LittleEndian(answer.AsSpan(1), published);
            return answer.AsMemory(0, 5);
        }
        catch (StreamSequenceTokenException e)
        {
            // Typed on the wire, so the publisher on another silo can act on it as it would locally.
            answer[0] = 1;
            BinaryPrimitives.WriteInt64LittleEndian(answer.AsSpan(1), e.Offered.SequenceNumber);
            BinaryPrimitives.WriteInt64LittleEndian(answer.AsSpan(9), e.LastPublished.SequenceNumber);
            return answer;
        }
    }

    private async ValueTask<ReadOnlyMemory<byte>> CompleteLocalAsync()
    {
        await Local.OnCompletedAsync().ConfigureAwait(false);
        return ReadOnlyMemory<byte>.Empty;
    }

    private async ValueTask<ReadOnlyMemory<byte>> SubscribeRemoteAsync(Guid id, SiloAddress silo, StreamSequenceToken? from)
    {
        var subscriber = new RemoteStreamSubscriber<T>(cluster, id, silo, StreamId, local.Options.MaxBatchesInFlight);
        cluster.Add(subscriber);
        try
        {
            subscriber.Handle = await Local.SubscribeAsync(subscriber, from).ConfigureAwait(false);
        }
        catch
        {
            cluster.Remove(subscriber);
            throw;
        }
        return ReadOnlyMemory<byte>.Empty;
    }
}
