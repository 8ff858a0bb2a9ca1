using OrleansRep.Runtime.Streams;
using OrleansRep.Runtime.Tests.Support;

namespace OrleansRep.Runtime.Tests.Streams;

/// <summary>The batch path in one process: batch publish rules and batch delivery.</summary>
public sealed class StreamBatchTests
{
    private static readonly StreamId Id = new("batch", "a");

    [Fact]
    public async Task A_batch_observer_gets_what_is_buffered_in_bounded_batches_in_order()
    {
        await using var provider = new MemoryStreamProvider(new MemoryStreamProviderOptions { MaxDeliveryBatchSize = 3, SubscriberBufferCapacity = 16 });
        var stream = provider.GetStream<int>(Id);
        using var gate = new ObserverGate();
        var held = new GatedBatchObserver(gate);
        await stream.SubscribeAsync(held);

        await stream.OnNextAsync(1, new StreamSequenceToken(1));
        await Eventually.Until(() => held.Batches.Count == 1, "the first batch to be held");
        Assert.Equal(7, await stream.OnNextBatchAsync(StreamClusterFixture.Items(2, 8, i => (int)i)));
        gate.Open();
        await Eventually.Until(() => held.Batches.Sum(b => b.Count) == 8, "all 8 items", () => string.Join(" | ", held.Batches.Select(b => string.Join(",", b.Select(i => i.Token)))));

        Assert.Equal([[1L], [2, 3, 4], [5, 6, 7], [8]], held.Batches.Select(b => b.Select(i => i.Token.SequenceNumber).ToArray()));
    }

    [Fact]
    public async Task A_batch_drops_leading_retained_duplicates_and_an_out_of_order_token_publishes_nothing()
    {
        await using var provider = new MemoryStreamProvider();
        var stream = provider.GetStream<int>(Id);
        var observer = new RecordingObserver<int>("all");
        await stream.SubscribeAsync(observer);

        Assert.Equal(3, await stream.OnNextBatchAsync(StreamClusterFixture.Items(1, 3, i => (int)i)));
        Assert.Equal(2, await stream.OnNextBatchAsync(StreamClusterFixture.Items(2, 5, i => (int)i)));
        Assert.Equal(0, await stream.OnNextBatchAsync(StreamClusterFixture.Items(4, 5, i => (int)i)));
        var error = await Assert.ThrowsAsync<StreamSequenceTokenException>(() => stream.OnNextBatchAsync(
            [new(6, new StreamSequenceToken(6)), new(8, new StreamSequenceToken(8)), new(7, new StreamSequenceToken(7))]));
        Assert.Equal(7, error.Offered.SequenceNumber);
        Assert.Equal(1, await stream.OnNextBatchAsync([new(6, new StreamSequenceToken(6))]));
        await observer.WaitForCountAsync(6);

        Assert.Equal([1L, 2, 3, 4, 5, 6], observer.Tokens);
    }

    private sealed class GatedBatchObserver(ObserverGate gate) : IAsyncBatchObserver<int>
    {
        private readonly Lock _lock = new();
        private readonly List<IList<SequencedItem<int>>> _batches = [];

        public IReadOnlyList<IList<SequencedItem<int>>> Batches { get { lock (_lock) { return [.. _batches]; } } }

        public async Task OnNextAsync(IList<SequencedItem<int>> batch)
        {
            lock (_lock)
            {
                _batches.Add(batch);
            }
            await gate.PassAsync();
        }

        public Task OnErrorAsync(Exception exception) => Task.CompletedTask;

        public Task OnCompletedAsync() => Task.CompletedTask;
    }
}
