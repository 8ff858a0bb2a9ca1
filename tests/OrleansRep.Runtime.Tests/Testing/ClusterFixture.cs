using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Testing;
using OrleansRep.Runtime.Tests.Remote;

namespace OrleansRep.Runtime.Tests.Testing;

/// <summary>Starts test clusters whose silos all serve the test grains from one shared <see cref="MemoryGrainStorage"/>.</summary>
internal static class ClusterFixture
{
    /// <param name="inMemory">Connect through the in-memory transport instead of sockets on loopback.</param>
    public static Task<TestCluster> StartAsync(MemoryGrainStorage? sharedStorage = null, int silos = 3, bool inMemory = false)
    {
        var storage = sharedStorage ?? new MemoryGrainStorage();
        return TestCluster.StartAsync(new TestClusterOptions
        {
            SiloCount = silos,
            UseInMemoryTransport = inMemory,
            // Lenient failure detection: CI runs these next to other test assemblies on 2 cores, and a silo that
            // misses probes under load must not be declared dead by accident. Tests wait on conditions, so a few
            // seconds more to detect a real failure cost nothing but time.
            Membership = new MembershipOptions
            {
                ProbeTimeout = TimeSpan.FromSeconds(1),
                MissedProbesLimit = 5,
                DeathVoteExpiration = TimeSpan.FromSeconds(30),
            },
            ConfigureSilo = builder => builder
                .AddGrainStorage(SiloBuilder.DefaultGrainStorage, storage)
                .AddGrain<IPlacedCounterGrain, PlacedCounterGrain>()
                .AddGrain<ICycleStartGrain, CycleStartGrain>()
                .AddGrain<ICycleBounceGrain, CycleBounceGrain>(),
        });
    }
}
