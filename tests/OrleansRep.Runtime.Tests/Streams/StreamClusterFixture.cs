using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Hosting;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Streams;
using OrleansRep.Runtime.Testing;

namespace OrleansRep.Runtime.Tests.Streams;

/// <summary>
/// Test clusters whose silos have stream providers: "default" (small bounds so tests reach them quickly, a patient
/// publisher), "impatient" (the publisher cuts a full subscriber off after 200 ms) and the stream publisher grain.
/// Silo i serves site i + 1, so a key "name@{i + 1}" names a stream owned by silo i.
/// </summary>
internal static class StreamClusterFixture
{
    public const int BufferCapacity = 4;
    public const int BatchSize = 2;
    public const int RetainedItems = 8;

    public static Task<TestCluster> StartAsync(int silos = 3) => TestCluster.StartAsync(new TestClusterOptions
    {
        SiloCount = silos,
        // Lenient failure detection, as in the other cluster tests (CI runs them on a loaded 2-core machine).
        Membership = new MembershipOptions
        {
            ProbeTimeout = TimeSpan.FromSeconds(1),
            MissedProbesLimit = 5,
            DeathVoteExpiration = TimeSpan.FromSeconds(30),
        },
        ConfigureSilo = builder => builder
            .AddMemoryStreams(options: Options(TimeSpan.FromSeconds(60)))
            .AddMemoryStreams("impatient", Options(TimeSpan.FromMilliseconds(200)))
            .AddGrain<IStreamPublisherGrain, StreamPublisherGrain>(),
    });

    /// <summary>The stream provider of silo <paramref name="index"/>, as its non-grain code sees it.</summary>
    public static IAsyncStream<T> Stream<T>(this TestCluster cluster, int index, string key, string provider = StreamHostingExtensions.DefaultStreamProvider) =>
        cluster.Silo(index).Silo.GetStreamProvider(provider).GetStream<T>(new StreamId("test", key));

    public static SequencedItem<T>[] Items<T>(long from, long to, Func<long, T> value) =>
        [.. Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => new SequencedItem<T>(value(i), new StreamSequenceToken(i)))];

    private static MemoryStreamProviderOptions Options(TimeSpan maxPublisherWait) => new()
    {
        SubscriberBufferCapacity = BufferCapacity,
        MaxDeliveryBatchSize = BatchSize,
        MaxBatchesInFlight = 1,
        RetainedItemsPerStream = RetainedItems,
        MaxPublisherWait = maxPublisherWait,
    };
}
