using OrleansRep.Grains.Interfaces;

namespace OrleansRep.Silo;

/// <summary>The recovery master's state as one site sees it (the <c>recovery</c> of <c>/api/status</c> and
/// <c>GET /api/recovery</c>): the recovery master it believes (0: none yet), its map generation, the last recovery
/// pushed to it, every banned site among those that answered, and every answering site's election inputs.</summary>
public sealed record RecoveryStatus(int RecoveryMaster, long MapGeneration, string? LastRecovery, DateTimeOffset? LastRecoveryAt, IReadOnlyList<SiteBan> Bans, IReadOnlyList<RecoverySite> Sites)
{
    /// <summary>The ban credits the recovery master holds (from its own view; empty when it did not answer or holds none).</summary>
    public IReadOnlyList<SiteBanCredits> Credits { get; init; } = [];
}

/// <summary>A site as the recovery master's election sees it: start time (priority time), flags, the recovery master it believes.</summary>
public sealed record RecoverySite(int Site, DateTimeOffset StartedAt, bool Banned, bool Stopped, int RecoveryMaster, long MapGeneration);

/// <summary>A banned site: until when and why.</summary>
public sealed record SiteBan(int Site, DateTimeOffset? Until, string? Reason);
