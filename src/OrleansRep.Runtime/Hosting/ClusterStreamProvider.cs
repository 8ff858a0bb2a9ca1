using OrleansRep.Runtime.Streams;

namespace OrleansRep.Runtime.Hosting;

/// <summary>
/// A named stream provider in a clustered silo: each stream is placed on its owner silo (see
/// <see cref="ClusterStreams"/>) and used locally there or through frames from here. The item type of a stream is
/// checked on its owner, at its first use.
/// </summary>
internal sealed class ClusterStreamProvider(ClusterStreams cluster, string name, MemoryStreamProvider local) : IStreamProvider
{
    public IAsyncStream<T> GetStream<T>(StreamId streamId) => streamId.IsDefault
        ? throw new ArgumentException("a stream id needs a namespace and a key", nameof(streamId))
        : new ClusterAsyncStream<T>(cluster, name, local, streamId);
}
