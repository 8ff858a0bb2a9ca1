using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Tests.Transport;

/// <summary>An <see cref="IFrameHandler"/> whose behaviour each test supplies.</summary>
internal sealed class DelegateFrameHandler(
    Func<FrameKind, ReadOnlyMemory<byte>, CallerIdentity, CancellationToken, ValueTask<ReadOnlyMemory<byte>>> handle) : IFrameHandler
{
    /// <summary>Answers every request with its own payload.</summary>
    public static DelegateFrameHandler Echo() => new((_, payload, _, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(payload.ToArray()));

    public ValueTask<ReadOnlyMemory<byte>> HandleAsync(
        FrameKind kind, ReadOnlyMemory<byte> payload, CallerIdentity caller, CancellationToken cancellationToken) =>
        handle(kind, payload, caller, cancellationToken);
}
