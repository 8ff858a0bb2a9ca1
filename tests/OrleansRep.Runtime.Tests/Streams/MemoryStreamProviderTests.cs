using OrleansRep.Runtime.Streams;

namespace OrleansRep.Runtime.Tests.Streams;

public sealed class MemoryStreamProviderTests
{
    [Theory]
    [InlineData(0, 1, 1, 1)]
    [InlineData(1, 0, 1, 1)]
    [InlineData(1, 1, -1, 1)]
    [InlineData(1, 1, 1, 0)]
    public void Out_of_range_options_are_rejected(int retained, int buffer, int waitSeconds, int batch)
    {
        var options = new MemoryStreamProviderOptions
        {
            RetainedItemsPerStream = retained,
            SubscriberBufferCapacity = buffer,
            MaxPublisherWait = TimeSpan.FromSeconds(waitSeconds),
            LogReadBatchSize = batch,
        };
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryStreamProvider(options));
    }

    [Fact]
    public void Stream_ids_need_a_namespace_and_a_key()
    {
        Assert.Throws<ArgumentException>(() => new StreamId("", "k"));
        Assert.Throws<ArgumentException>(() => new StreamId("ns", ""));
        Assert.Throws<ArgumentNullException>(() => new StreamId(null!, "k"));
        Assert.Equal(new StreamId("ns", "k"), new StreamId("ns", "k"));
        Assert.NotEqual(new StreamId("ns", "k"), new StreamId("ns", "K"));
        Assert.Equal("ns/k", new StreamId("ns", "k").ToString());
    }

    [Fact]
    public async Task The_same_id_gives_the_same_stream_and_another_item_type_is_refused()
    {
        await using var provider = new MemoryStreamProvider();
        var id = new StreamId("ns", "k");
        Assert.Same(provider.GetStream<int>(id), provider.GetStream<int>(id));
        Assert.Throws<InvalidOperationException>(() => provider.GetStream<string>(id));
        Assert.Throws<ArgumentException>(() => provider.GetStream<int>(default));
    }

    [Fact]
    public async Task A_log_must_be_registered_before_its_namespace_is_used_and_must_carry_the_item_type()
    {
        await using var provider = new MemoryStreamProvider();
        provider.GetStream<int>(new StreamId("used", "k"));
        Assert.Throws<InvalidOperationException>(() => provider.RegisterLog("used", new InMemoryStreamLog<int>()));

        provider.RegisterLog("wal", new InMemoryStreamLog<int>());
        Assert.Throws<InvalidOperationException>(() => provider.RegisterLog("wal", new InMemoryStreamLog<int>()));
        Assert.Throws<InvalidOperationException>(() => provider.GetStream<string>(new StreamId("wal", "k")));
    }

    [Fact]
    public async Task A_disposed_provider_stops_delivery_and_refuses_use()
    {
        var provider = new MemoryStreamProvider();
        var stream = provider.GetStream<int>(new StreamId("ns", "k"));
        var observer = new RecordingObserver<int>("subscriber");
        await stream.SubscribeAsync(observer);
        await stream.OnNextAsync(1, new StreamSequenceToken(1));
        await observer.WaitForCountAsync(1);

        await provider.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => stream.OnNextAsync(2, new StreamSequenceToken(2)));
        Assert.Throws<ObjectDisposedException>(() => provider.GetStream<int>(new StreamId("ns", "other")));
        Assert.Equal([1L], observer.Tokens);
        Assert.False(observer.Ended);
    }

    [Fact]
    public async Task The_in_memory_log_refuses_out_of_order_appends_and_keeps_its_bound()
    {
        var log = new InMemoryStreamLog<int>(maxItemsPerStream: 3);
        var id = new StreamId("wal", "k");
        for (int i = 1; i <= 5; i++)
        {
            log.Append(id, i, new StreamSequenceToken(i));
        }
        Assert.Throws<StreamSequenceTokenException>(() => log.Append(id, 5, new StreamSequenceToken(5)));

        Assert.Equal(new StreamSequenceToken(3), await log.GetEarliestAvailableAsync(id, default));
        Assert.Equal([3L, 4, 5], (await log.ReadAsync(id, StreamSequenceToken.First, 10, default)).Select(i => i.Token.SequenceNumber));
        Assert.Equal([4L], (await log.ReadAsync(id, new StreamSequenceToken(4), 1, default)).Select(i => i.Token.SequenceNumber));
    }
}
