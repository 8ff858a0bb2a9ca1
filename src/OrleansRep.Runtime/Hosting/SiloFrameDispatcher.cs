using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Hosting;

/// <summary>
/// The frame handler of a silo's one endpoint: membership requests go to the <see cref="MembershipAgent"/>, everything
/// else to the grain gateway (<see cref="GrainCallHandler"/>). The two are told apart by their first byte, the format
/// version of each codec: <see cref="MembershipCodec.FormatVersion"/> (0x41) is disjoint from
/// <see cref="GrainCallCodec.Version"/> (1), so no prefix is added and a <see cref="GrainClient"/> needs nothing extra.
/// A payload that is neither (empty, unknown version) reaches the gateway, which rejects it as a
/// <see cref="GrainCallFormatException"/>; the connection keeps serving.
/// </summary>
public sealed class SiloFrameDispatcher : IFrameHandler
{
    private readonly IFrameHandler _membership;
    private readonly IFrameHandler _grainCalls;

    public SiloFrameDispatcher(IFrameHandler membership, IFrameHandler grainCalls)
    {
        ArgumentNullException.ThrowIfNull(membership);
        ArgumentNullException.ThrowIfNull(grainCalls);
        _membership = membership;
        _grainCalls = grainCalls;
    }

    public ValueTask<ReadOnlyMemory<byte>> HandleAsync(FrameKind kind, ReadOnlyMemory<byte> payload, CallerIdentity caller, CancellationToken cancellationToken) =>
        !payload.IsEmpty && payload.Span[0] == MembershipCodec.FormatVersion
            ? _membership.HandleAsync(kind, payload, caller, cancellationToken)
            : _grainCalls.HandleAsync(kind, payload, caller, cancellationToken);
}
