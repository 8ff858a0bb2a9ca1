using System.Collections.Immutable;

namespace OrleansRep.Runtime.Core;

/// <summary>
/// The grains whose turns are waiting on the current call, outermost first (Orleans' call-chain reentrancy).
/// A call to a grain already in the chain runs interleaved with that grain's waiting turn instead of queueing
/// behind it, so A -> B -> A and A -> A complete instead of deadlocking. The chain flows with the async flow
/// (an <see cref="AsyncLocal{T}"/>) and travels inside every <see cref="GrainCall"/>, so it survives a network hop.
/// The price, as in Orleans: a callback can interleave with its caller's turn at the caller's await points.
/// </summary>
public sealed class CallChain
{
    private static readonly AsyncLocal<CallChain?> CurrentChain = new();

    private CallChain(ImmutableArray<GrainId> grains) => Grains = grains;

    /// <summary>The chain of a call that no grain turn is waiting on (a client call).</summary>
    public static CallChain Empty { get; } = new(ImmutableArray<GrainId>.Empty);

    /// <summary>The chain of the turn running on this async flow.</summary>
    public static CallChain Current
    {
        get => CurrentChain.Value ?? Empty;
        internal set => CurrentChain.Value = value;
    }

    public ImmutableArray<GrainId> Grains { get; }

    public bool Contains(GrainId grainId) => Grains.Contains(grainId);

    /// <summary>The chain of a turn of <paramref name="grainId"/> started by a call carrying this chain.</summary>
    public CallChain Append(GrainId grainId) => new(Grains.Add(grainId));

    public override string ToString() => string.Join(" -> ", Grains);
}
