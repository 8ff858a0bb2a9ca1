using OrleansRep.Runtime.Streams;
using OrleansRep.Runtime.Tests.Support;

namespace OrleansRep.Runtime.Tests.Streams;

public sealed class StreamSubscriptionTests
{
    private static readonly StreamId Id = new("subscriptions", "a");

    [Fact]
    public async Task Unsubscribing_stops_delivery_to_that_subscriber_only_and_sends_it_no_final_call()
    {
        await using var provider = new MemoryStreamProvider();
        var stream = provider.GetStream<int>(Id);
        var leaving = new RecordingObserver<int>("leaving");
        var staying = new RecordingObserver<int>("staying");
        var handle = await stream.SubscribeAsync(leaving);
        await stream.SubscribeAsync(staying);
        await stream.OnNextAsync(1, new StreamSequenceToken(1));
        await stream.OnNextAsync(2, new StreamSequenceToken(2));
        await leaving.WaitForCountAsync(2);

        await handle.UnsubscribeAsync();
        await handle.UnsubscribeAsync(); // a second call is harmless
        await stream.OnNextAsync(3, new StreamSequenceToken(3));
        await stream.OnNextAsync(4, new StreamSequenceToken(4));
        await stream.OnCompletedAsync();

        await staying.WaitForEndAsync();
        Assert.Equal([1L, 2, 3, 4], staying.Tokens);
        Assert.True(staying.Completed);
        Assert.Equal([1L, 2], leaving.Tokens);
        Assert.False(leaving.Ended);
        Assert.Equal(Id, handle.StreamId);
    }

    [Fact]
    public async Task An_observer_may_unsubscribe_itself_from_OnNextAsync()
    {
        await using var provider = new MemoryStreamProvider();
        var stream = provider.GetStream<int>(Id);
        StreamSubscriptionHandle<int>? handle = null;
        var observer = new RecordingObserver<int>("self-unsubscribing")
        {
            BeforeItem = (_, token) => token.SequenceNumber == 2 ? handle!.UnsubscribeAsync() : Task.CompletedTask,
        };
        var witness = new RecordingObserver<int>("witness");
        handle = await stream.SubscribeAsync(observer);
        await stream.SubscribeAsync(witness);

        for (int i = 1; i <= 4; i++)
        {
            await stream.OnNextAsync(i, new StreamSequenceToken(i));
        }

        await witness.WaitForCountAsync(4);
        await Eventually.Until(() => observer.Entered == 2 && observer.Items.Count == 2,
            "the observer to finish the call it unsubscribed in", observer.Describe);
        Assert.Equal([1L, 2], observer.Tokens);
    }

    [Fact]
    public async Task An_observer_that_throws_loses_its_subscription_with_a_typed_signal_while_others_keep_receiving()
    {
        await using var provider = new MemoryStreamProvider();
        var stream = provider.GetStream<int>(Id);
        var failure = new InvalidOperationException("observer bug");
        var failing = new RecordingObserver<int>("failing")
        {
            BeforeItem = (_, token) => token.SequenceNumber == 2 ? throw failure : Task.CompletedTask,
        };
        var healthy = new RecordingObserver<int>("healthy");
        await stream.SubscribeAsync(failing);
        await stream.SubscribeAsync(healthy);

        for (int i = 1; i <= 4; i++)
        {
            Assert.True(await stream.OnNextAsync(i, new StreamSequenceToken(i)));
        }

        await healthy.WaitForCountAsync(4);
        Assert.Equal([1L, 2, 3, 4], healthy.Tokens);
        await failing.WaitForEndAsync();
        Assert.Equal([1L], failing.Tokens);
        var faulted = Assert.IsType<StreamSubscriptionFaultedException>(failing.Error);
        Assert.Equal(new StreamSequenceToken(2), faulted.FailedToken);
        Assert.Same(failure, faulted.InnerException);

        // The failed item counts as not delivered: resubscribing from it resumes without a gap.
        var retry = new RecordingObserver<int>("retry");
        await stream.SubscribeAsync(retry, faulted.FailedToken);
        await retry.WaitForCountAsync(3);
        Assert.Equal([2L, 3, 4], retry.Tokens);
    }

    [Fact]
    public async Task Completing_a_stream_delivers_what_is_buffered_then_completes_and_refuses_further_items()
    {
        await using var provider = new MemoryStreamProvider();
        var stream = provider.GetStream<int>(Id);
        var observer = new RecordingObserver<int>("subscriber");
        await stream.SubscribeAsync(observer);
        await stream.OnNextAsync(1, new StreamSequenceToken(1));
        await stream.OnNextAsync(2, new StreamSequenceToken(2));

        await stream.OnCompletedAsync();

        await observer.WaitForEndAsync();
        Assert.Equal([1L, 2], observer.Tokens);
        Assert.True(observer.Completed);
        await Assert.ThrowsAsync<InvalidOperationException>(() => stream.OnNextAsync(3, new StreamSequenceToken(3)));
        var late = new RecordingObserver<int>("late rewind");
        await stream.SubscribeAsync(late, StreamSequenceToken.First);
        await late.WaitForEndAsync();
        Assert.Equal([1L, 2], late.Tokens);
        Assert.True(late.Completed);
    }
}
