using OrleansRep.Grains.Interfaces;
using OrleansRep.Runtime.Core;

namespace OrleansRep.Grains.Recovery;

/// <summary>Registers the recovery master's grain (<see cref="IRecoveryGrain"/>) on a silo that hosts the service
/// (after <see cref="Shards.OrleansRepGrains.AddOrleansRepGrains"/>).</summary>
public static class RecoveryGrains
{
    public static SiloBuilder AddRecoveryGrain(this SiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddGrain<IRecoveryGrain, RecoveryGrain>();
    }
}
