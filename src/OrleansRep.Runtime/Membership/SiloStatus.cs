namespace OrleansRep.Runtime.Membership;

/// <summary>
/// Where a silo incarnation is in its life, with Orleans' names. A status only moves forward (the numeric order):
/// that is what lets views merge without coordination. Suspicion is not a status: it is the votes on an entry.
/// </summary>
public enum SiloStatus : byte
{
    /// <summary>Started, not yet admitted by the cluster.</summary>
    Joining = 1,

    /// <summary>Admitted: probed by its peers and eligible to host grains.</summary>
    Active = 2,

    /// <summary>Declared dead. Final for this incarnation: it must restart with a new generation.</summary>
    Dead = 3,
}
