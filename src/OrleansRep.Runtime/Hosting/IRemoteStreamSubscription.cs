using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Streams;

namespace OrleansRep.Runtime.Hosting;

/// <summary>The subscriber's end of a remote subscription (the untyped face of <see cref="RemoteStreamSubscription{T}"/>).</summary>
internal interface IRemoteStreamSubscription
{
    Guid Id { get; }

    StreamId StreamId { get; }

    SiloAddress Owner { get; }

    /// <summary>Decodes a pushed batch and queues it for the observer; the task (the credit) completes once the observer took it.</summary>
    ValueTask<ReadOnlyMemory<byte>> Deliver(ref WireReader reader);

    /// <summary>Decodes the owner's end signal and tells the observer after the batches before it.</summary>
    void End(ref WireReader reader);

    /// <summary>Ends the subscription with <paramref name="error"/> (the owner is gone).</summary>
    void Fail(Exception error);
}
