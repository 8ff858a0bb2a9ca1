using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Hosting;

/// <summary>
/// The frame handler of a silo's one endpoint: membership requests go to the <see cref="MembershipAgent"/>, stream
/// frames (first byte 0x53) to <see cref="ClusterStreams"/>, everything else to the grain gateway
/// (<see cref="GrainCallHandler"/>). They are told apart by their first byte, the format version of
/// each codec: <see cref="MembershipCodec.FormatVersion"/> (0x41) and <see cref="StreamFrameCodec.Marker"/> (0x53) are
/// disjoint from <see cref="GrainCallCodec.Version"/> (1), so no prefix is added and a <see cref="GrainClient"/> needs
/// nothing extra.
/// A payload that is neither (empty, unknown version) reaches the gateway, which rejects it as a
/// <see cref="GrainCallFormatException"/>; the connection keeps serving.
/// <para>With an <see cref="ILinkFilter"/>, a call from a silo whose link to this one is down is lost here: it reaches
/// neither handler and gets no answer (the caller times out or cancels, and the transport then sends nothing), as
/// if the network had dropped it. Membership's outgoing probes and gossip go through its own connections, so this is
/// where they are dropped: their senders see missed probes, which is what a DROP looks like.</para>
/// </summary>
public sealed class SiloFrameDispatcher : IFrameHandler
{
    private readonly IFrameHandler _membership;
    private readonly IFrameHandler _grainCalls;
    private readonly ILinkFilter? _links;
    private readonly IFrameHandler? _streams;

    /// <param name="membership">Serves membership requests.</param>
    /// <param name="grainCalls">Serves grain calls (the gateway).</param>
    /// <param name="links">Which callers' calls arrive; null (the default) lets every call through.</param>
    /// <param name="streams">Serves stream frames (first byte <see cref="StreamFrameCodec.Marker"/>, 0x53); null: none.</param>
    public SiloFrameDispatcher(IFrameHandler membership, IFrameHandler grainCalls, ILinkFilter? links = null, IFrameHandler? streams = null)
    {
        ArgumentNullException.ThrowIfNull(membership);
        ArgumentNullException.ThrowIfNull(grainCalls);
        _membership = membership;
        _grainCalls = grainCalls;
        _links = links;
        _streams = streams;
    }

    public ValueTask<ReadOnlyMemory<byte>> HandleAsync(FrameKind kind, ReadOnlyMemory<byte> payload, CallerIdentity caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (_links is not null && !_links.CanReceiveFrom(caller))
        {
            return LoseAsync(kind, cancellationToken);
        }

        byte first = payload.IsEmpty ? (byte)0 : payload.Span[0];
        return first == MembershipCodec.FormatVersion ? _membership.HandleAsync(kind, payload, caller, cancellationToken)
            : first == StreamFrameCodec.Marker && _streams is not null ? _streams.HandleAsync(kind, payload, caller, cancellationToken)
            : _grainCalls.HandleAsync(kind, payload, caller, cancellationToken);
    }

    /// <summary>A call lost on the way: a one-way message simply vanishes; a request is never answered.</summary>
    private static async ValueTask<ReadOnlyMemory<byte>> LoseAsync(FrameKind kind, CancellationToken cancellationToken)
    {
        if (kind == FrameKind.Request)
        {
            // Holds one of the connection's bounded call slots until the caller's timeout or cancel frame, or the
            // connection closing, fires the token; the transport sends no reply for a cancelled call.
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        }

        return ReadOnlyMemory<byte>.Empty;
    }
}
