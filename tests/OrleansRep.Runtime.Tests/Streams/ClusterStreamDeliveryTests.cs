using Microsoft.Extensions.DependencyInjection;
using OrleansRep.Runtime.Hosting;
using OrleansRep.Runtime.Streams;
using OrleansRep.Runtime.Tests.Support;

namespace OrleansRep.Runtime.Tests.Streams;

/// <summary>Streams across silos, seen from the user's side: real silos on loopback, each stream on its owner silo.</summary>
public sealed class ClusterStreamDeliveryTests
{
    [Fact]
    public async Task A_subscriber_on_another_silo_receives_batches_in_order_then_completion()
    {
        await using var cluster = await StreamClusterFixture.StartAsync(silos: 2);
        var subscriber = new BatchRecordingObserver<string>("silo 1");
        await cluster.Stream<string>(1, "log@1").SubscribeAsync(subscriber);
        var owner = cluster.Stream<string>(0, "log@1");

        for (int from = 1; from <= 100; from += 20)
        {
            Assert.Equal(20, await owner.OnNextBatchAsync(StreamClusterFixture.Items(from, from + 19, i => $"r{i}")));
        }
        await subscriber.WaitForCountAsync(100);
        await owner.OnCompletedAsync();

        await Eventually.Until(() => subscriber.Completed, "the remote subscriber to be told the stream completed");
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), subscriber.Tokens);
        Assert.Equal("r57", subscriber.Batches.SelectMany(b => b).Single(i => i.Token.SequenceNumber == 57).Item);
        Assert.All(subscriber.Batches, b => Assert.InRange(b.Count, 1, StreamClusterFixture.BatchSize));
        Assert.Null(subscriber.Error);
    }

    [Fact]
    public async Task A_subscriber_on_another_silo_rewinds_into_the_owners_window_then_follows_live_items()
    {
        await using var cluster = await StreamClusterFixture.StartAsync(silos: 2);
        var owner = cluster.Stream<int>(0, "rewind@1");
        await owner.OnNextBatchAsync(StreamClusterFixture.Items(1, 6, i => (int)i * 10));

        var subscriber = new RecordingObserver<int>("silo 1 from 4");
        await cluster.Stream<int>(1, "rewind@1").SubscribeAsync(subscriber, new StreamSequenceToken(4));
        await subscriber.WaitForCountAsync(3);
        Assert.True(await owner.OnNextAsync(70, new StreamSequenceToken(7)));
        await subscriber.WaitForCountAsync(4);

        Assert.Equal([4L, 5, 6, 7], subscriber.Tokens);
        Assert.Equal([40, 50, 60, 70], subscriber.Items.Select(i => i.Item));
    }

    [Fact]
    public async Task A_non_owner_publishes_through_the_owner_which_drops_republished_tokens_and_types_out_of_order_ones()
    {
        await using var cluster = await StreamClusterFixture.StartAsync();
        var subscriber = new RecordingObserver<string>("silo 1");
        await cluster.Stream<string>(1, "dedup@1").SubscribeAsync(subscriber);
        var publisher = cluster.Stream<string>(2, "dedup@1");

        Assert.Equal(5, await publisher.OnNextBatchAsync(StreamClusterFixture.Items(1, 5, i => $"a{i}")));
        Assert.Equal(2, await publisher.OnNextBatchAsync(StreamClusterFixture.Items(3, 7, i => $"b{i}"))); // a retry overlapping 3..5
        Assert.False(await publisher.OnNextAsync("again", new StreamSequenceToken(7)));
        var outOfOrder = await Assert.ThrowsAsync<StreamSequenceTokenException>(
            () => publisher.OnNextBatchAsync([new("late", new StreamSequenceToken(9)), new("earlier", new StreamSequenceToken(8))]));
        Assert.Equal(8, outOfOrder.Offered.SequenceNumber);
        await subscriber.WaitForCountAsync(7);

        Assert.Equal([1L, 2, 3, 4, 5, 6, 7], subscriber.Tokens);
        Assert.Equal(["a1", "a2", "a3", "a4", "a5", "b6", "b7"], subscriber.Items.Select(i => i.Item));
    }

    [Fact]
    public async Task A_site_keyed_stream_lives_on_its_sites_silo_whoever_publishes()
    {
        await using var cluster = await StreamClusterFixture.StartAsync();
        Assert.True(await cluster.Stream<string>(2, "group@2").OnNextAsync("x", new StreamSequenceToken(1)));

        // Republishing token 1 straight into a silo's own provider is a duplicate only where the stream lives.
        bool IsNewOn(int silo) => cluster.Silo(silo).Silo.Services.GetRequiredKeyedService<MemoryStreamProvider>(StreamHostingExtensions.DefaultStreamProvider)
            .GetStream<string>(new StreamId("test", "group@2")).OnNextAsync("probe", new StreamSequenceToken(1)).GetAwaiter().GetResult();
        Assert.False(IsNewOn(1));
        Assert.True(IsNewOn(0));
        Assert.True(IsNewOn(2));
    }

    [Fact]
    public async Task A_grain_publishes_through_its_silos_provider_to_a_subscriber_on_another_silo()
    {
        await using var cluster = await StreamClusterFixture.StartAsync();
        var subscriber = new RecordingObserver<string>("silo 0");
        await cluster.Stream<string>(0, "grain@2").SubscribeAsync(subscriber);
        var grain = cluster.GrainFactory.GetGrain<IStreamPublisherGrain>("publisher@3");

        Assert.True(await grain.Publish("grain@2", 1, "hello"));
        Assert.True(await grain.Publish("grain@2", 2, "world"));
        await subscriber.WaitForCountAsync(2);

        Assert.Equal(["hello", "world"], subscriber.Items.Select(i => i.Item));
    }

    [Fact]
    public async Task A_remote_subscriber_that_unsubscribes_gets_nothing_more_while_others_go_on()
    {
        await using var cluster = await StreamClusterFixture.StartAsync();
        var leaving = new RecordingObserver<int>("leaving, silo 1");
        var staying = new RecordingObserver<int>("staying, silo 2");
        var handle = await cluster.Stream<int>(1, "leave@1").SubscribeAsync(leaving);
        await cluster.Stream<int>(2, "leave@1").SubscribeAsync(staying);
        var owner = cluster.Stream<int>(0, "leave@1");
        await owner.OnNextAsync(1, new StreamSequenceToken(1));
        await leaving.WaitForCountAsync(1);

        await handle.UnsubscribeAsync();
        await owner.OnNextBatchAsync(StreamClusterFixture.Items(2, 5, i => (int)i));
        await staying.WaitForCountAsync(5);

        Assert.Equal([1L], leaving.Tokens);
        Assert.False(leaving.Ended);
        Assert.Equal([1L, 2, 3, 4, 5], staying.Tokens);
    }
}
