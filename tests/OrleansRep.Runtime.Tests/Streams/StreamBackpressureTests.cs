using OrleansRep.Runtime.Streams;
using OrleansRep.Runtime.Tests.Support;

namespace OrleansRep.Runtime.Tests.Streams;

public sealed class StreamBackpressureTests
{
    private static readonly StreamId Id = new("backpressure", "a");

    private static MemoryStreamProviderOptions Options => new()
    {
        SubscriberBufferCapacity = 2,
        MaxPublisherWait = TimeSpan.FromSeconds(10),
    };

    [Fact]
    public async Task A_publisher_waits_while_a_subscriber_buffer_is_full_and_resumes_when_it_drains()
    {
        var time = new ManualTimeProvider();
        await using var provider = new MemoryStreamProvider(Options, time);
        var stream = provider.GetStream<int>(Id);
        using var gate = new ObserverGate();
        var slow = new RecordingObserver<int>("slow") { BeforeItem = (_, _) => gate.PassAsync() };
        var fast = new RecordingObserver<int>("fast");
        var slowHandle = (MemoryStreamSubscription<int>)await stream.SubscribeAsync(slow);
        await stream.SubscribeAsync(fast);

        await stream.OnNextAsync(1, new StreamSequenceToken(1));
        await Eventually.Until(() => slow.Entered == 1, "the slow observer to hold item 1", slow.Describe);
        await stream.OnNextAsync(2, new StreamSequenceToken(2));
        await stream.OnNextAsync(3, new StreamSequenceToken(3)); // the slow buffer is now full (2)
        var blocked = stream.OnNextAsync(4, new StreamSequenceToken(4));
        var queued = stream.OnNextAsync(5, new StreamSequenceToken(5));

        // The publisher is waiting on the clock for the slow subscriber: blocked, not failed, and nothing grew.
        await Eventually.Until(() => time.ArmedTimerCount == 1, "the publisher to wait for the slow subscriber",
            () => $"armed timers {time.ArmedTimerCount}, publish 4 completed {blocked.IsCompleted}");
        Assert.False(blocked.IsCompleted);
        Assert.False(queued.IsCompleted);
        Assert.Equal(2, slowHandle.BufferedCount);
        await fast.WaitForCountAsync(4); // the fast subscriber is not held up behind the slow one
        Assert.Equal([1L, 2, 3, 4], fast.Tokens);

        gate.Open();
        Assert.True(await blocked);
        Assert.True(await queued);
        await slow.WaitForCountAsync(5);
        await fast.WaitForCountAsync(5);
        Assert.Equal([1L, 2, 3, 4, 5], slow.Tokens);
        Assert.Equal([1L, 2, 3, 4, 5], fast.Tokens);
        Assert.Null(slow.Error);
    }

    [Fact]
    public async Task A_subscriber_still_full_after_the_wait_bound_is_cut_off_as_fell_behind_and_the_publisher_goes_on()
    {
        var time = new ManualTimeProvider();
        await using var provider = new MemoryStreamProvider(Options, time);
        var stream = provider.GetStream<int>(Id);
        using var gate = new ObserverGate();
        var slow = new RecordingObserver<int>("slow") { BeforeItem = (_, _) => gate.PassAsync() };
        var fast = new RecordingObserver<int>("fast");
        await stream.SubscribeAsync(slow);
        await stream.SubscribeAsync(fast);
        await stream.OnNextAsync(1, new StreamSequenceToken(1));
        await Eventually.Until(() => slow.Entered == 1, "the slow observer to hold item 1", slow.Describe);
        await stream.OnNextAsync(2, new StreamSequenceToken(2));
        await stream.OnNextAsync(3, new StreamSequenceToken(3));
        var blocked = stream.OnNextAsync(4, new StreamSequenceToken(4));
        await fast.WaitForCountAsync(4); // the fast subscriber is not held up behind the slow one
        await Eventually.Until(() => time.ArmedTimerCount == 1, "the publisher to wait for the slow subscriber",
            () => $"armed timers {time.ArmedTimerCount}");

        time.Advance(TimeSpan.FromSeconds(10));

        Assert.True(await blocked);
        Assert.True(await stream.OnNextAsync(5, new StreamSequenceToken(5))); // no waiting for the cut-off subscriber
        await fast.WaitForCountAsync(5);
        // The slow subscriber still gets what it had buffered, then the signal; it never silently misses 4 and 5.
        gate.Open();
        await slow.WaitForEndAsync();
        Assert.Equal([1L, 2, 3], slow.Tokens);
        var fellBehind = Assert.IsType<StreamFellBehindException>(slow.Error);
        Assert.Equal(new StreamSequenceToken(4), fellBehind.FirstMissed);

        var resumed = new RecordingObserver<int>("resumed");
        await stream.SubscribeAsync(resumed, fellBehind.FirstMissed);
        await resumed.WaitForCountAsync(2);
        Assert.Equal([4L, 5], resumed.Tokens);
    }

    [Fact]
    public async Task A_publisher_that_cancels_its_wait_cuts_the_full_subscriber_off_and_the_item_stays_published()
    {
        var time = new ManualTimeProvider();
        await using var provider = new MemoryStreamProvider(Options, time);
        var stream = provider.GetStream<int>(Id);
        using var gate = new ObserverGate();
        var slow = new RecordingObserver<int>("slow") { BeforeItem = (_, _) => gate.PassAsync() };
        await stream.SubscribeAsync(slow);
        await stream.OnNextAsync(1, new StreamSequenceToken(1));
        await Eventually.Until(() => slow.Entered == 1, "the slow observer to hold item 1", slow.Describe);
        await stream.OnNextAsync(2, new StreamSequenceToken(2));
        await stream.OnNextAsync(3, new StreamSequenceToken(3));
        using var cancel = new CancellationTokenSource();
        var blocked = stream.OnNextAsync(4, new StreamSequenceToken(4), cancel.Token);
        await Eventually.Until(() => time.ArmedTimerCount == 1, "the publisher to wait for the slow subscriber",
            () => $"armed timers {time.ArmedTimerCount}");

        await cancel.CancelAsync();

        Assert.True(await blocked);
        Assert.False(await stream.OnNextAsync(4, new StreamSequenceToken(4))); // a retry is a duplicate
        gate.Open();
        await slow.WaitForEndAsync();
        Assert.Equal(new StreamSequenceToken(4), Assert.IsType<StreamFellBehindException>(slow.Error).FirstMissed);
    }
}
