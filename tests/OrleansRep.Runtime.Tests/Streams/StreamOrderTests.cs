using OrleansRep.Runtime.Streams;

namespace OrleansRep.Runtime.Tests.Streams;

public sealed class StreamOrderTests
{
    [Fact]
    public async Task Each_stream_is_delivered_in_token_order_while_publishers_run_concurrently_on_different_streams()
    {
        // Small buffers and window so that backpressure and eviction happen all along the run.
        await using var provider = new MemoryStreamProvider(new MemoryStreamProviderOptions
        {
            SubscriberBufferCapacity = 4,
            RetainedItemsPerStream = 16,
        });
        const int streamCount = 4;
        const int itemCount = 500;
        var streams = new IAsyncStream<string>[streamCount];
        var observers = new RecordingObserver<string>[streamCount * 2];
        for (int s = 0; s < streamCount; s++)
        {
            streams[s] = provider.GetStream<string>(new StreamId("order", $"s{s}"));
            for (int o = 0; o < 2; o++)
            {
                observers[(s * 2) + o] = new RecordingObserver<string>($"stream s{s} subscriber {o}");
                await streams[s].SubscribeAsync(observers[(s * 2) + o]);
            }
        }

        var publishers = streams.Select((stream, s) => Task.Run(async () =>
        {
            for (int i = 1; i <= itemCount; i++)
            {
                Assert.True(await stream.OnNextAsync($"s{s}:{i}", new StreamSequenceToken(i)));
            }
        }));
        await Task.WhenAll(publishers);

        var expectedTokens = Enumerable.Range(1, itemCount).Select(i => (long)i).ToArray();
        for (int o = 0; o < observers.Length; o++)
        {
            await observers[o].WaitForCountAsync(itemCount);
            Assert.Equal(expectedTokens, observers[o].Tokens);
            int s = o / 2;
            Assert.All(observers[o].Items, item => Assert.Equal($"s{s}:{item.Token}", item.Item));
            Assert.Null(observers[o].Error);
        }
    }
}
