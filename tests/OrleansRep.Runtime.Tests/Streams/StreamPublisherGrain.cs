using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Hosting;
using OrleansRep.Runtime.Streams;

namespace OrleansRep.Runtime.Tests.Streams;

public interface IStreamPublisherGrain : IGrainWithStringKey
{
    /// <summary>Publishes <paramref name="value"/> at <paramref name="token"/> on stream test/<paramref name="key"/>.</summary>
    Task<bool> Publish(string key, long token, string value);
}

/// <summary>A grain that publishes through its silo's provider (<c>this.GetStreamProvider()</c>), as Orleans grains do.</summary>
public sealed class StreamPublisherGrain : Grain, IStreamPublisherGrain
{
    public Task<bool> Publish(string key, long token, string value) =>
        this.GetStreamProvider().GetStream<string>(new StreamId("test", key)).OnNextAsync(value, new StreamSequenceToken(token));
}
