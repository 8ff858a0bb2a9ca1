using OrleansRep.Runtime.Remote;

namespace OrleansRep.Runtime.Hosting;

/// <summary>A stream this silo owns, serving frames from other silos (the untyped face of <see cref="ClusterAsyncStream{T}"/>).</summary>
internal interface IOwnedStream
{
    /// <summary>Decodes the rest of a publish, complete or subscribe frame, then runs it on the local stream.</summary>
    ValueTask<ReadOnlyMemory<byte>> HandleOwnerFrame(StreamFrameKind kind, ref WireReader reader);
}
