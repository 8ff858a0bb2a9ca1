using OrleansRep.Runtime.Streams;

namespace OrleansRep.Runtime.Tests.Streams;

public sealed class StreamRewindTests
{
    private static readonly StreamId Id = new("rewind", "a");

    [Fact]
    public async Task Subscribing_from_a_retained_token_replays_from_it_then_continues_live()
    {
        await using var provider = new MemoryStreamProvider();
        var stream = provider.GetStream<int>(Id);
        // Tokens need not be contiguous: 10, 20, ..., 100.
        for (int i = 1; i <= 10; i++)
        {
            await stream.OnNextAsync(i, new StreamSequenceToken(i * 10));
        }

        var exact = new RecordingObserver<int>("from 40");
        var between = new RecordingObserver<int>("from 35");
        await stream.SubscribeAsync(exact, new StreamSequenceToken(40));
        await stream.SubscribeAsync(between, new StreamSequenceToken(35));
        await stream.OnNextAsync(11, new StreamSequenceToken(110));

        long[] expected = [40, 50, 60, 70, 80, 90, 100, 110];
        foreach (var observer in new[] { exact, between })
        {
            await observer.WaitForCountAsync(expected.Length);
            Assert.Equal(expected, observer.Tokens);
            Assert.Equal([4, 5, 6, 7, 8, 9, 10, 11], observer.Items.Select(i => i.Item));
        }
    }

    [Fact]
    public async Task Subscribing_from_now_delivers_only_items_published_afterwards()
    {
        await using var provider = new MemoryStreamProvider();
        var stream = provider.GetStream<int>(Id);
        for (int i = 1; i <= 3; i++)
        {
            await stream.OnNextAsync(i, new StreamSequenceToken(i));
        }

        var observer = new RecordingObserver<int>("from now");
        await stream.SubscribeAsync(observer, from: null);
        await stream.OnNextAsync(4, new StreamSequenceToken(4));
        await stream.OnNextAsync(5, new StreamSequenceToken(5));

        await observer.WaitForCountAsync(2);
        Assert.Equal([4L, 5L], observer.Tokens);
    }

    [Fact]
    public async Task Subscribing_from_before_the_window_without_a_log_is_told_it_fell_behind_and_gets_nothing()
    {
        await using var provider = new MemoryStreamProvider(new MemoryStreamProviderOptions { RetainedItemsPerStream = 5 });
        var stream = provider.GetStream<int>(Id);
        for (int i = 1; i <= 10; i++)
        {
            await stream.OnNextAsync(i, new StreamSequenceToken(i));
        }

        var late = new RecordingObserver<int>("from 3");
        await stream.SubscribeAsync(late, new StreamSequenceToken(3));
        await late.WaitForEndAsync();
        var fellBehind = Assert.IsType<StreamFellBehindException>(late.Error);
        Assert.Equal(new StreamSequenceToken(3), fellBehind.FirstMissed);
        Assert.Equal(new StreamSequenceToken(6), fellBehind.EarliestAvailable);
        Assert.Equal(Id, fellBehind.StreamId);

        // Resubscribing from the earliest available token catches up (before item 11 evicts token 6) ...
        var retry = new RecordingObserver<int>("from 6");
        await stream.SubscribeAsync(retry, fellBehind.EarliestAvailable);
        // ... while the ended subscription stays ended (the observer asserts no item comes after the signal).
        await stream.OnNextAsync(11, new StreamSequenceToken(11));
        await retry.WaitForCountAsync(6);
        Assert.Equal([6L, 7, 8, 9, 10, 11], retry.Tokens);
        Assert.Empty(late.Items);
    }

    [Fact]
    public async Task Rewinding_past_the_window_reads_history_from_the_external_log_then_switches_to_the_window()
    {
        var log = new CountingStreamLog<string>(new InMemoryStreamLog<string>());
        await using var provider = new MemoryStreamProvider(
            new MemoryStreamProviderOptions { RetainedItemsPerStream = 5, LogReadBatchSize = 3 });
        provider.RegisterLog("wal", log);
        var id = new StreamId("wal", "shard-0");
        var stream = provider.GetStream<string>(id);
        for (int i = 1; i <= 20; i++)
        {
            // As a WAL-backed stream does: append to the log, then publish. The payloads differ in their prefix only
            // so that the test can see which items were read from the log.
            log.Inner.Append(id, $"log:{i}", new StreamSequenceToken(i));
            await stream.OnNextAsync($"live:{i}", new StreamSequenceToken(i));
        }
        log.Inner.TruncateBefore(id, new StreamSequenceToken(4));

        var observer = new RecordingObserver<string>("from 8");
        await stream.SubscribeAsync(observer, new StreamSequenceToken(8));
        await stream.OnNextAsync("live:21", new StreamSequenceToken(21));

        await observer.WaitForCountAsync(14);
        Assert.Equal(Enumerable.Range(8, 14).Select(i => (long)i), observer.Tokens);
        // 8..15 are older than the window (16..20): they came from the log, in batches of at most 3.
        Assert.Equal(
            [.. Enumerable.Range(8, 8).Select(i => $"log:{i}"), .. Enumerable.Range(16, 6).Select(i => $"live:{i}")],
            observer.Items.Select(i => i.Item));
        Assert.True(log.Reads >= 3, $"expected at least 3 bounded log reads, saw {log.Reads}");
        Assert.True(log.LargestBatch <= 3, $"a log read returned {log.LargestBatch} items, more than the batch size 3");
        Assert.Null(observer.Error);
    }

    [Fact]
    public async Task Rewinding_to_before_what_the_log_still_holds_is_told_it_fell_behind()
    {
        var log = new InMemoryStreamLog<int>();
        await using var provider = new MemoryStreamProvider(new MemoryStreamProviderOptions { RetainedItemsPerStream = 5 });
        provider.RegisterLog("wal", log);
        var id = new StreamId("wal", "shard-1");
        var stream = provider.GetStream<int>(id);
        for (int i = 1; i <= 20; i++)
        {
            log.Append(id, i, new StreamSequenceToken(i));
            await stream.OnNextAsync(i, new StreamSequenceToken(i));
        }
        log.TruncateBefore(id, new StreamSequenceToken(4));

        var observer = new RecordingObserver<int>("from 2");
        await stream.SubscribeAsync(observer, new StreamSequenceToken(2));
        await observer.WaitForEndAsync();

        var fellBehind = Assert.IsType<StreamFellBehindException>(observer.Error);
        Assert.Equal(new StreamSequenceToken(2), fellBehind.FirstMissed);
        Assert.Equal(new StreamSequenceToken(4), fellBehind.EarliestAvailable);
        Assert.Empty(observer.Items);
    }

    [Fact]
    public async Task A_log_that_ends_before_the_window_begins_is_a_gap_the_subscriber_is_told_about_not_skipped()
    {
        var log = new InMemoryStreamLog<int>();
        await using var provider = new MemoryStreamProvider(new MemoryStreamProviderOptions { RetainedItemsPerStream = 5 });
        provider.RegisterLog("wal", log);
        var id = new StreamId("wal", "shard-2");
        var stream = provider.GetStream<int>(id);
        for (int i = 1; i <= 20; i++)
        {
            if (i <= 10)
            {
                log.Append(id, i, new StreamSequenceToken(i)); // the log lost 11..20
            }
            await stream.OnNextAsync(i, new StreamSequenceToken(i));
        }

        var observer = new RecordingObserver<int>("from 8");
        await stream.SubscribeAsync(observer, new StreamSequenceToken(8));
        await observer.WaitForEndAsync();

        Assert.Equal([8L, 9, 10], observer.Tokens);
        var fellBehind = Assert.IsType<StreamFellBehindException>(observer.Error);
        Assert.Equal(new StreamSequenceToken(11), fellBehind.FirstMissed);
        Assert.Equal(new StreamSequenceToken(16), fellBehind.EarliestAvailable);
    }
}
