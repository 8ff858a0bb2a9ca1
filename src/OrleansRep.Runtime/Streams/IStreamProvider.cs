namespace OrleansRep.Runtime.Streams;

/// <summary>Hands out streams. The same id always yields the same stream, with the item type it was first used with.</summary>
public interface IStreamProvider
{
    /// <summary>Gets the stream <paramref name="streamId"/>.</summary>
    /// <exception cref="ArgumentException">The id is default.</exception>
    /// <exception cref="InvalidOperationException">The stream exists with another item type.</exception>
    IAsyncStream<T> GetStream<T>(StreamId streamId);
}
