namespace OrleansRep.Grains.Recovery;

/// <summary>
/// What a site's recovery grain keeps in the site's own engine (grain state "recovery", written through its WAL with a
/// Sync commit): a ban, so that a restarted site still honours one that has not ended, and the map generation, so that
/// a recovery master elected after a restart (of this site or of the whole cluster) continues from the highest one
/// instead of handing out generations again. The start time and the stopped flag are not kept: CTDB resets both when a
/// node starts.
/// </summary>
public sealed class RecoveryGrainState
{
    /// <summary>When the ban ends, an absolute time of the site's <see cref="TimeProvider"/> (null: not banned).</summary>
    public DateTimeOffset? BannedUntil { get; set; }

    /// <summary>Why the site is banned (null: not banned).</summary>
    public string? BanReason { get; set; }

    /// <summary>Each shard's election priority of this site before the ban set it to 0 (shard → priority), restored when
    /// the ban ends.</summary>
    public Dictionary<int, int> PriorityBeforeBan { get; init; } = [];

    /// <summary>The highest map generation a recovery master pushed to this site.</summary>
    public long MapGeneration { get; set; }

    /// <summary>The reason of the last recovery pushed to this site (null: none yet).</summary>
    public string? LastRecovery { get; set; }

    /// <summary>When <see cref="LastRecovery"/> was pushed.</summary>
    public DateTimeOffset? LastRecoveryAt { get; set; }
}
