using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Placement;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Streams;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Hosting;

/// <summary>
/// A silo's part in streams across silos. A stream lives on one owner silo, placed like a grain whose type is
/// <c>stream:{namespace}</c> and whose key is the stream's key (so <c>"group@2"</c> lives on site 2's silo); there it
/// is the silo's <see cref="MemoryStreamProvider"/> stream. Other silos publish by forwarding batches to the owner and
/// subscribe by registering a remote subscription there, which the owner feeds by pushing batches to the
/// subscriber's silo (<see cref="RemoteStreamSubscriber{T}"/>, with credits) where
/// <see cref="RemoteStreamSubscription{T}"/> hands them to the observer. This class serves the stream frames
/// (<see cref="StreamFrameCodec"/>) of the silo's endpoint and ends the subscriptions whose other end left the view.
/// <para>Streams are not migrated: a stream's retained window stays on the silo that owned it. When the owner dies,
/// remote subscribers get <see cref="StreamOwnerUnavailableException"/> and resubscribe (from their last applied
/// token) on the stream's new owner, whose history before its own window comes from its <see cref="IStreamLog{T}"/>.
/// A stream that moves because a silo joined or left (consistent hashing) starts empty on its new owner; its remote
/// subscribers are told as the view changes.</para>
/// </summary>
public sealed class ClusterStreams : IFrameHandler
{
    private const int MaxItemTypes = 256;
    private const int MaxRetainedBuffers = 16;
    private const int MaxRetainedBufferBytes = 1024 * 1024;

    private readonly PlacementDirector _placement;
    private readonly Func<MembershipView> _view;
    private readonly Func<SiloAddress?> _self;
    private readonly ConcurrentDictionary<Guid, IRemoteStreamSubscriber> _subscribers = new();
    private readonly ConcurrentDictionary<Guid, IRemoteStreamSubscription> _subscriptions = new();
    private readonly ConcurrentDictionary<string, Type> _itemTypes = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ArrayBufferWriter<byte>> _buffers = new();

    internal ClusterStreams(PlacementDirector placement, Func<MembershipView> view, SiloConnectionPool connections, Func<SiloAddress?> self)
    {
        _placement = placement;
        _view = view;
        Connections = connections;
        _self = self;
    }

    /// <summary>The silo's services, where the named <see cref="MemoryStreamProvider"/>s are; set once the silo is built.</summary>
    internal IServiceProvider? Services { get; set; }

    internal SiloConnectionPool Connections { get; }

    internal SiloAddress Self => _self() ?? throw new InvalidOperationException("the silo has not joined its cluster yet");

    /// <summary>Provider <paramref name="name"/> as the silo's grains see it: local streams here, the others routed.</summary>
    internal IStreamProvider CreateProvider(string name, MemoryStreamProvider local) => new ClusterStreamProvider(this, name, local);

    /// <summary>The stream's owner under the current view, or null when it is this silo.</summary>
    /// <exception cref="UnknownSiteException">The key names an unregistered site.</exception>
    /// <exception cref="SiloUnavailableException">No active silo can own it.</exception>
    internal SiloAddress? RemoteOwnerOf(StreamId streamId)
    {
        var owner = _placement.Place(PlacementId(streamId), _view());
        return owner == _self() ? null : owner;
    }

    public ValueTask<ReadOnlyMemory<byte>> HandleAsync(FrameKind kind, ReadOnlyMemory<byte> payload, CallerIdentity caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.HasRoles(ClientRoles.All))
        {
            throw new GrainAccessDeniedException("stream frames are exchanged between silos only");
        }
        var reader = new WireReader(payload.Span);
        if (reader.Byte() != StreamFrameCodec.Marker)
        {
            throw new GrainCallFormatException("not a stream frame");
        }
        switch ((StreamFrameKind)reader.Byte())
        {
            case StreamFrameKind.Deliver:
                return SubscriptionOf(reader.Guid()).Deliver(ref reader);
            case StreamFrameKind.End:
                if (_subscriptions.TryRemove(reader.Guid(), out var ended))
                {
                    ended.End(ref reader);
                }
                return default;
            case StreamFrameKind.Unsubscribe:
                if (_subscribers.TryRemove(reader.Guid(), out var subscriber))
                {
                    subscriber.Unsubscribe();
                }
                return default;
            case var toOwner and (StreamFrameKind.Publish or StreamFrameKind.Complete or StreamFrameKind.Subscribe):
                var (provider, streamId, itemType) = StreamFrameCodec.ReadStream(ref reader);
                if (RemoteOwnerOf(streamId) is { } owner)
                {
                    throw new InvalidOperationException($"stream {streamId} is owned by silo {owner}, not this one; retry there");
                }
                return OwnedStream(provider, streamId, itemType).HandleOwnerFrame(toOwner, ref reader);
            case var other:
                throw new GrainCallFormatException($"unknown stream frame kind {(byte)other}");
        }
    }

    /// <summary>
    /// Ends the subscriptions whose owner the view declares dead or no longer places their stream on (a silo joined
    /// or left and the ring moved it), and drops the remote subscribers whose silo the view declares dead.
    /// </summary>
    internal void OnViewChanged(MembershipView view)
    {
        foreach (var (id, subscription) in _subscriptions)
        {
            if (!OwnsStream(subscription.Owner, subscription.StreamId, view) && _subscriptions.TryRemove(id, out _))
            {
                subscription.Fail(new StreamOwnerUnavailableException(subscription.StreamId, subscription.Owner));
            }
        }
        foreach (var (id, subscriber) in _subscribers)
        {
            if (view.IsDead(subscriber.Subscriber) && _subscribers.TryRemove(id, out _))
            {
                subscriber.Unsubscribe();
            }
        }
    }

    internal void Add(IRemoteStreamSubscription subscription) => _subscriptions[subscription.Id] = subscription;

    internal void Remove(IRemoteStreamSubscription subscription) => _subscriptions.TryRemove(subscription.Id, out _);

    internal void Add(IRemoteStreamSubscriber subscriber) => _subscribers[subscriber.Id] = subscriber;

    internal void Remove(IRemoteStreamSubscriber subscriber) => _subscribers.TryRemove(subscriber.Id, out _);

    /// <summary>Sends a stream frame to <paramref name="silo"/>; failures to reach it are <see cref="SiloUnavailableException"/>.</summary>
    internal async Task<byte[]> CallAsync(SiloAddress silo, StreamId streamId, ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default) =>
        await CallAsync(await ConnectAsync(silo, streamId, cancellationToken).ConfigureAwait(false), silo, streamId, request, null, cancellationToken).ConfigureAwait(false);

    internal async Task<TransportClient> ConnectAsync(SiloAddress silo, StreamId streamId, CancellationToken cancellationToken = default)
    {
        try
        {
            return await Connections.GetAsync(silo, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or ConnectionClosedException or HandshakeRejectedException)
        {
            throw new SiloUnavailableException($"stream {streamId}", silo, $"cannot connect: {e.Message}", e);
        }
    }

    /// <summary>Queues the frame on <paramref name="connection"/> before returning (frames sent one after another keep their order).</summary>
    internal static async Task<byte[]> CallAsync(
        TransportClient connection, SiloAddress silo, StreamId streamId, ReadOnlyMemory<byte> request, TimeSpan? timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            return await connection.CallAsync(request, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (ConnectionClosedException e)
        {
            throw new SiloUnavailableException($"stream {streamId}", silo, "the connection closed before the stream frame was answered", e);
        }
        catch (RemoteCallException e)
        {
            throw RemoteExceptionTranslator.Recreate(e);
        }
    }

    /// <summary>An encode buffer from a small bounded pool (a batch of 1,024 records would otherwise land on the large object heap).</summary>
    internal ArrayBufferWriter<byte> RentBuffer() => _buffers.TryDequeue(out var buffer) ? buffer : new ArrayBufferWriter<byte>(16 * 1024);

    internal void ReturnBuffer(ArrayBufferWriter<byte> buffer)
    {
        if (buffer.Capacity <= MaxRetainedBufferBytes && _buffers.Count < MaxRetainedBuffers)
        {
            buffer.ResetWrittenCount();
            _buffers.Enqueue(buffer);
        }
    }

    private bool OwnsStream(SiloAddress owner, StreamId streamId, MembershipView view)
    {
        try
        {
            return !view.IsDead(owner) && _placement.Place(PlacementId(streamId), view) == owner;
        }
        catch (Exception e) when (e is UnknownSiteException or SiloUnavailableException)
        {
            return false;
        }
    }

    private static GrainId PlacementId(StreamId streamId) => new("stream:" + streamId.Namespace, streamId.Key);

    private IRemoteStreamSubscription SubscriptionOf(Guid id) =>
        _subscriptions.TryGetValue(id, out var subscription)
            ? subscription
            : throw new KeyNotFoundException($"stream subscription {id} is not on this silo (ended or unsubscribed)");

    /// <summary>The typed stream for a frame to the owner: the item type travels by name, as the frame carries no generics.</summary>
    private IOwnedStream OwnedStream(string provider, StreamId streamId, string itemTypeName)
    {
        var local = Services?.GetKeyedService<MemoryStreamProvider>(provider)
            ?? throw new KeyNotFoundException($"this silo has no stream provider \"{provider}\"");
        if (!_itemTypes.TryGetValue(itemTypeName, out var itemType))
        {
            itemType = Type.GetType(itemTypeName, throwOnError: false)
                ?? throw new GrainCallFormatException($"stream item type \"{itemTypeName}\" is not known on this silo");
            if (_itemTypes.Count < MaxItemTypes)
            {
                _itemTypes[itemTypeName] = itemType;
            }
        }
        return (IOwnedStream)Activator.CreateInstance(typeof(ClusterAsyncStream<>).MakeGenericType(itemType), this, provider, local, streamId)!;
    }
}
