using Microsoft.Extensions.DependencyInjection;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Hosting;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Placement;
using OrleansRep.Runtime.Streams;
using OrleansRep.Runtime.Tests.Support;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Tests.Streams;

/// <summary>Streams across silos when something is slow, late, broken or gone.</summary>
public sealed class ClusterStreamFailureTests
{
    [Fact]
    public async Task A_blocked_remote_observer_stops_the_publisher_after_bounded_buffering_and_releases_it_when_unblocked()
    {
        await using var cluster = await StreamClusterFixture.StartAsync(silos: 2);
        using var gate = new ObserverGate();
        var subscriber = new RecordingObserver<int>("blocked, silo 1") { BeforeItem = (_, _) => gate.PassAsync() };
        await cluster.Stream<int>(1, "slow@1").SubscribeAsync(subscriber);
        var owner = cluster.Stream<int>(0, "slow@1");
        int published = 0;
        var publisher = Task.Run(async () =>
        {
            for (int i = 1; i <= 40; i++)
            {
                await owner.OnNextAsync(i, new StreamSequenceToken(i));
                Volatile.Write(ref published, i);
            }
        });

        // Publishes that can complete: the batch the observer holds (its one credit; one or two items), the batch the
        // owner's delivery loop holds waiting for that credit, and a full buffer. The next publish waits.
        const int bound = (2 * StreamClusterFixture.BatchSize) + StreamClusterFixture.BufferCapacity;
        await Eventually.Until(() => Volatile.Read(ref published) >= bound - 1, "the publisher to fill the bounded buffers", () => $"published {published}");
        await Assert.ThrowsAsync<TimeoutException>(() => publisher.WaitAsync(TimeSpan.FromMilliseconds(500)));
        Assert.InRange(Volatile.Read(ref published), bound - 1, bound);
        Assert.Equal(1, subscriber.Entered);

        gate.Open();
        await publisher.WaitAsync(Eventually.Deadline);
        await subscriber.WaitForCountAsync(40);
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), subscriber.Tokens);
        Assert.Null(subscriber.Error);
    }

    [Fact]
    public async Task A_remote_subscriber_the_publisher_could_not_wait_for_is_told_it_fell_behind()
    {
        await using var cluster = await StreamClusterFixture.StartAsync(silos: 2);
        using var gate = new ObserverGate();
        var subscriber = new RecordingObserver<int>("blocked, silo 1") { BeforeItem = (_, _) => gate.PassAsync() };
        await cluster.Stream<int>(1, "cut@1", "impatient").SubscribeAsync(subscriber);
        var owner = cluster.Stream<int>(0, "cut@1", "impatient");

        for (int i = 1; i <= 20; i++)
        {
            await owner.OnNextAsync(i, new StreamSequenceToken(i)); // never stuck: a full subscriber is cut off after 200 ms
        }
        gate.Open();
        await subscriber.WaitForEndAsync();

        var behind = Assert.IsType<StreamFellBehindException>(subscriber.Error);
        Assert.Equal(new StreamId("test", "cut@1"), behind.StreamId);
        Assert.Equal(subscriber.Tokens[^1] + 1, behind.FirstMissed.SequenceNumber);
        Assert.Equal(Enumerable.Range(1, subscriber.Tokens.Length).Select(i => (long)i), subscriber.Tokens);
    }

    [Fact]
    public async Task A_remote_rewind_past_the_owners_window_is_told_it_fell_behind_with_what_is_left()
    {
        await using var cluster = await StreamClusterFixture.StartAsync(silos: 2);
        await cluster.Stream<int>(0, "old@1").OnNextBatchAsync(StreamClusterFixture.Items(1, 20, i => (int)i));
        var subscriber = new RecordingObserver<int>("silo 1 from 2");

        await cluster.Stream<int>(1, "old@1").SubscribeAsync(subscriber, new StreamSequenceToken(2));
        await subscriber.WaitForEndAsync();

        var behind = Assert.IsType<StreamFellBehindException>(subscriber.Error);
        Assert.Equal(2, behind.FirstMissed.SequenceNumber);
        Assert.Equal(20 - StreamClusterFixture.RetainedItems + 1, behind.EarliestAvailable.SequenceNumber);
        Assert.Empty(subscriber.Tokens);
    }

    [Fact]
    public async Task A_remote_observer_that_throws_ends_its_subscription_typed_and_others_keep_receiving()
    {
        await using var cluster = await StreamClusterFixture.StartAsync();
        var failing = new RecordingObserver<int>("failing, silo 1")
        {
            BeforeItem = (_, token) => token.SequenceNumber == 3 ? throw new InvalidOperationException("boom") : Task.CompletedTask,
        };
        var healthy = new RecordingObserver<int>("healthy, silo 2");
        await cluster.Stream<int>(1, "throw@1").SubscribeAsync(failing);
        await cluster.Stream<int>(2, "throw@1").SubscribeAsync(healthy);

        await cluster.Stream<int>(0, "throw@1").OnNextBatchAsync(StreamClusterFixture.Items(1, 6, i => (int)i));
        await healthy.WaitForCountAsync(6);
        await failing.WaitForEndAsync();

        var faulted = Assert.IsType<StreamSubscriptionFaultedException>(failing.Error);
        Assert.Equal(3, faulted.FailedToken.SequenceNumber);
        Assert.Equal([1L, 2], failing.Tokens);
    }

    [Fact]
    public async Task When_the_owner_silo_dies_the_remote_subscriber_is_told_and_resubscribes_on_the_new_owner()
    {
        await using var cluster = await StreamClusterFixture.StartAsync(silos: 2);
        var subscriber = new RecordingObserver<int>("silo 1");
        await cluster.Stream<int>(1, "dies@1").SubscribeAsync(subscriber);
        await cluster.Stream<int>(0, "dies@1").OnNextBatchAsync(StreamClusterFixture.Items(1, 3, i => (int)i));
        await subscriber.WaitForCountAsync(3);

        await cluster.KillSiloAsync(0);
        await subscriber.WaitForEndAsync();
        var unavailable = Assert.IsType<StreamOwnerUnavailableException>(subscriber.Error);
        Assert.Equal(new StreamId("test", "dies@1"), unavailable.StreamId);

        // Not migrated: the restarted owner starts the stream afresh; the subscriber resumes after its last token.
        await cluster.RestartSiloAsync(0);
        await cluster.WaitForViewAsync();
        var resumed = new RecordingObserver<int>("silo 1 again");
        await cluster.Stream<int>(1, "dies@1").SubscribeAsync(resumed, new StreamSequenceToken(subscriber.Tokens[^1] + 1));
        await cluster.Stream<int>(0, "dies@1").OnNextBatchAsync(StreamClusterFixture.Items(4, 5, i => (int)i));
        await resumed.WaitForCountAsync(2);
        Assert.Equal([4L, 5], resumed.Tokens);
    }

    [Fact]
    public async Task When_a_new_view_places_the_stream_elsewhere_the_remote_subscriber_is_told()
    {
        await using var cluster = await StreamClusterFixture.StartAsync(silos: 2);
        var streams = cluster.Silo(1).Silo.Services.GetRequiredService<ClusterStreams>();
        var view = cluster.Silo(1).Membership.View;
        var owner = cluster.Silo(0).Address;
        // A silo joining moves some hash-placed streams to it; find one that moves off silo 0.
        var joined = view.With(new MembershipEntry(new SiloAddress("127.0.0.1", 1, 1), SiloStatus.Active));
        var placement = new PlacementDirector(cluster.Sites);
        string key = Enumerable.Range(0, 1000).Select(i => $"moving-{i}")
            .First(k => placement.Place(new GrainId("stream:test", k), view) == owner && placement.Place(new GrainId("stream:test", k), joined) != owner);
        var subscriber = new RecordingObserver<int>("silo 1");
        await cluster.Stream<int>(1, key).SubscribeAsync(subscriber);

        streams.OnViewChanged(view);
        Assert.False(subscriber.Ended);
        streams.OnViewChanged(joined);
        await subscriber.WaitForEndAsync();

        var moved = Assert.IsType<StreamOwnerUnavailableException>(subscriber.Error);
        Assert.Equal(owner, moved.Owner);
    }

    [Fact]
    public async Task Malformed_or_unauthorised_stream_frames_are_rejected_and_the_silo_keeps_serving()
    {
        await using var cluster = await StreamClusterFixture.StartAsync(silos: 2);
        var endPoint = cluster.Silo(0).EndPoint;
        await using var silo = await TransportClient.ConnectAsync(endPoint, new TransportClientOptions { ClusterSecret = cluster.ClusterSecret, ClientId = "raw", Roles = ClientRoles.All });
        byte[][] malformed =
        [
            [0x53],
            [0x53, 99],
            [0x53, 1, 0xFF, 0xFF],
            [0x53, 5, .. Guid.NewGuid().ToByteArray(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], // a batch for no subscription
            [0x53, 1, 1, 0, 0, 0, (byte)'p', 1, 0, 0, 0, (byte)'n', 1, 0, 0, 0, (byte)'k', 3, 0, 0, 0, (byte)'N', (byte)'o', (byte)'!'],
        ];
        foreach (var frame in malformed)
        {
            await Assert.ThrowsAsync<RemoteCallException>(() => silo.CallAsync(frame));
        }
        await using var reader = await TransportClient.ConnectAsync(endPoint, new TransportClientOptions { ClusterSecret = cluster.ClusterSecret, ClientId = "reader", Roles = ClientRoles.Read });
        var denied = await Assert.ThrowsAsync<RemoteCallException>(() => reader.CallAsync((byte[])[0x53, 4, .. Guid.NewGuid().ToByteArray()]));
        Assert.Contains("GrainAccessDenied", denied.RemoteTypeName, StringComparison.Ordinal);

        var subscriber = new RecordingObserver<int>("silo 1");
        await cluster.Stream<int>(1, "after@1").SubscribeAsync(subscriber);
        await cluster.Stream<int>(0, "after@1").OnNextAsync(1, new StreamSequenceToken(1));
        await subscriber.WaitForCountAsync(1);
        Assert.False(silo.IsClosed);
    }
}
