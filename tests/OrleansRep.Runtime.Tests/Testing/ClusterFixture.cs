using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Testing;
using OrleansRep.Runtime.Tests.Remote;

namespace OrleansRep.Runtime.Tests.Testing;

/// <summary>Starts test clusters whose silos all serve the test grains from one shared <see cref="MemoryGrainStorage"/>.</summary>
internal static class ClusterFixture
{
    public static Task<TestCluster> StartAsync(MemoryGrainStorage? sharedStorage = null, int silos = 3)
    {
        var storage = sharedStorage ?? new MemoryGrainStorage();
        return TestCluster.StartAsync(new TestClusterOptions
        {
            SiloCount = silos,
            ConfigureSilo = builder => builder
                .AddGrainStorage(SiloBuilder.DefaultGrainStorage, storage)
                .AddGrain<IPlacedCounterGrain, PlacedCounterGrain>()
                .AddGrain<ICycleStartGrain, CycleStartGrain>()
                .AddGrain<ICycleBounceGrain, CycleBounceGrain>(),
        });
    }
}
