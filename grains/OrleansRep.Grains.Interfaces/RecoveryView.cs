namespace OrleansRep.Grains.Interfaces;

/// <summary>
/// One site's view as the recovery master's loop reads it (<see cref="IRecoveryGrain.GetView"/>; CTDB's node flags,
/// recmaster and vnnmap in one answer). <see cref="StartedAt"/> is the election's priority time: when the site's
/// recovery grain started, reset to the time it was unbanned (a site just back does not win at once).
/// </summary>
public sealed record RecoveryView(
    int Site,
    DateTimeOffset StartedAt,
    bool Banned,
    DateTimeOffset? BannedUntil,
    bool Stopped,
    int RecoveryMaster,
    long MapGeneration,
    IReadOnlyList<ShardMastership> Shards,
    IReadOnlyList<SiteMember> Members)
{
    /// <summary>The last recovery the recovery master pushed to this site (reason), null: none since it started.</summary>
    public string? LastRecovery { get; init; }

    /// <summary>When <see cref="LastRecovery"/> was pushed.</summary>
    public DateTimeOffset? LastRecoveryAt { get; init; }

    /// <summary>Why the site is banned (null: not banned).</summary>
    public string? BanReason { get; init; }

    /// <summary>The ban credits this site holds against others while it is the recovery master (empty otherwise: a
    /// new recovery master starts with none).</summary>
    public IReadOnlyList<SiteBanCredits> BanCredits { get; init; } = [];
}
