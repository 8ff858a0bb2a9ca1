namespace OrleansRep.Runtime.Core;

/// <summary>Why an activation is being deactivated.</summary>
public enum DeactivationReasonCode
{
    None,

    /// <summary>No call for <see cref="GrainCollectionOptions.CollectionAge"/>.</summary>
    ActivationIdle,

    /// <summary>The grain called <see cref="Grain.DeactivateOnIdle"/>.</summary>
    ApplicationRequested,

    /// <summary>The silo is stopping.</summary>
    ShuttingDown,
}
