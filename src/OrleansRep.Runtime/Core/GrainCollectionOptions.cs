namespace OrleansRep.Runtime.Core;

/// <summary>When idle activations are collected, and how long activation and deactivation may take.</summary>
public sealed class GrainCollectionOptions
{
    /// <summary>How long an activation may go without a call before it is deactivated. Default: 15 minutes
    /// (Orleans' default). Timer ticks do not count as calls: a timer alone does not keep a grain alive.</summary>
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the silo looks for idle activations; an idle activation goes between
    /// <see cref="CollectionAge"/> and <see cref="CollectionAge"/> + this after its last call. Default: 1 minute.</summary>
    public TimeSpan CollectionQuantum { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>When the token passed to <see cref="Grain.OnActivateAsync"/> is cancelled. Default: 30 seconds.</summary>
    public TimeSpan ActivationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>When the token passed to <see cref="Grain.OnDeactivateAsync"/> is cancelled. Default: 30 seconds.</summary>
    public TimeSpan DeactivationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CollectionAge, TimeSpan.Zero, nameof(CollectionAge));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CollectionQuantum, TimeSpan.Zero, nameof(CollectionQuantum));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ActivationTimeout, TimeSpan.Zero, nameof(ActivationTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DeactivationTimeout, TimeSpan.Zero, nameof(DeactivationTimeout));
    }
}
