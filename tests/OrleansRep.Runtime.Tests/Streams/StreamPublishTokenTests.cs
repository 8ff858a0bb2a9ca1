using OrleansRep.Runtime.Streams;

namespace OrleansRep.Runtime.Tests.Streams;

/// <summary>
/// The rule for a token that does not increase: a token still in the retained window is a duplicate (an
/// at-least-once retry), dropped, and OnNextAsync returns false; any other is a StreamSequenceTokenException and
/// changes nothing.
/// </summary>
public sealed class StreamPublishTokenTests
{
    private static readonly StreamId Id = new("tokens", "a");

    [Fact]
    public async Task A_republished_token_is_a_duplicate_that_no_subscriber_receives_twice()
    {
        await using var provider = new MemoryStreamProvider();
        var stream = provider.GetStream<string>(Id);
        var observer = new RecordingObserver<string>("subscriber");
        await stream.SubscribeAsync(observer);

        Assert.True(await stream.OnNextAsync("one", new StreamSequenceToken(1)));
        Assert.True(await stream.OnNextAsync("two", new StreamSequenceToken(2)));
        Assert.False(await stream.OnNextAsync("two again", new StreamSequenceToken(2)));
        Assert.False(await stream.OnNextAsync("one again", new StreamSequenceToken(1)));
        Assert.True(await stream.OnNextAsync("three", new StreamSequenceToken(3)));

        await observer.WaitForCountAsync(3);
        Assert.Equal(["one", "two", "three"], observer.Items.Select(i => i.Item));
        // The window kept the first copy: a rewind sees the same.
        var rewound = new RecordingObserver<string>("rewound");
        await stream.SubscribeAsync(rewound, StreamSequenceToken.First);
        await rewound.WaitForCountAsync(3);
        Assert.Equal(["one", "two", "three"], rewound.Items.Select(i => i.Item));
    }

    [Fact]
    public async Task A_token_below_the_last_that_was_never_published_is_rejected_and_changes_nothing()
    {
        await using var provider = new MemoryStreamProvider();
        var stream = provider.GetStream<int>(Id);
        var observer = new RecordingObserver<int>("subscriber");
        await stream.SubscribeAsync(observer);
        await stream.OnNextAsync(10, new StreamSequenceToken(10));
        await stream.OnNextAsync(30, new StreamSequenceToken(30));

        var rejected = await Assert.ThrowsAsync<StreamSequenceTokenException>(
            () => stream.OnNextAsync(20, new StreamSequenceToken(20)));
        Assert.Equal(new StreamSequenceToken(20), rejected.Offered);
        Assert.Equal(new StreamSequenceToken(30), rejected.LastPublished);

        await stream.OnNextAsync(40, new StreamSequenceToken(40));
        await observer.WaitForCountAsync(3);
        Assert.Equal([10L, 30, 40], observer.Tokens);
        var rewound = new RecordingObserver<int>("rewound");
        await stream.SubscribeAsync(rewound, StreamSequenceToken.First);
        await rewound.WaitForCountAsync(3);
        Assert.Equal([10L, 30, 40], rewound.Tokens);
    }

    [Fact]
    public async Task A_token_older_than_the_window_cannot_be_checked_and_is_rejected()
    {
        await using var provider = new MemoryStreamProvider(new MemoryStreamProviderOptions { RetainedItemsPerStream = 3 });
        var stream = provider.GetStream<int>(Id);
        for (int i = 1; i <= 10; i++)
        {
            await stream.OnNextAsync(i, new StreamSequenceToken(i));
        }

        await Assert.ThrowsAsync<StreamSequenceTokenException>(() => stream.OnNextAsync(2, new StreamSequenceToken(2)));
        Assert.False(await stream.OnNextAsync(9, new StreamSequenceToken(9)));
    }
}
