using OrleansRep.Runtime.Membership;

namespace OrleansRep.Runtime.Streams;

/// <summary>
/// Told to a subscriber on another silo (through <c>OnErrorAsync</c>) when the silo that owns the stream was declared
/// dead, or the membership view now places the stream on another silo. Streams are not migrated: the subscription has ended, and the
/// subscriber resubscribes from the token after the last one it applied once the stream is placed on a new owner
/// (history older than the new owner's window comes from its <see cref="IStreamLog{T}"/>).
/// </summary>
public sealed class StreamOwnerUnavailableException(StreamId streamId, SiloAddress owner)
    : Exception($"stream {streamId}: silo {owner} is dead or no longer owns it")
{
    /// <summary>The stream.</summary>
    public StreamId StreamId { get; } = streamId;

    /// <summary>The silo that owned it.</summary>
    public SiloAddress Owner { get; } = owner;
}
