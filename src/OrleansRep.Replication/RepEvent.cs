using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>An event for the application (Berkeley DB's DB_EVENT_REP_*), with what it is about.</summary>
public sealed record RepEvent(RepEventKind Kind, uint Gen, SiteId Site = default, Lsn Lsn = default, IReadOnlyList<Lsn>? Commits = null)
{
    public override string ToString() =>
        $"{Kind} gen {Gen}{(Site.IsNone ? "" : " " + Site)}{(Lsn.IsZero ? "" : " " + Lsn)}{(Commits is { Count: > 0 } ? $" ({Commits.Count} commits)" : "")}";
}

/// <summary>Event kinds, named as Berkeley DB's.</summary>
public enum RepEventKind
{
    /// <summary>This site's role became client.</summary>
    Client,

    /// <summary>This site's role became master.</summary>
    Master,

    /// <summary>Another site is master (<see cref="RepEvent.Site"/>); once per gen.</summary>
    NewMaster,

    /// <summary>This site won an election; once per egen.</summary>
    Elected,

    /// <summary>An election lacked participants; it will be retried.</summary>
    ElectionFailed,

    /// <summary>A client caught up with the live log after a new master; once per gen.</summary>
    StartupDone,

    /// <summary>The ack policy was not met in time for the PERM record at <see cref="RepEvent.Lsn"/>.</summary>
    PermFailed,

    /// <summary>Another master was seen; this site demoted itself.</summary>
    DupMaster,

    /// <summary>The master is gone (heartbeats stopped).</summary>
    MasterFailure,

    /// <summary>Internal init finished.</summary>
    InitDone,

    /// <summary>This client cannot sync: it needs internal init and AUTOINIT is off.</summary>
    JoinFailure,

    /// <summary>A site joined the group (<see cref="RepEvent.Site"/>).</summary>
    SiteAdded,

    /// <summary>A site left the group (<see cref="RepEvent.Site"/>).</summary>
    SiteRemoved,

    /// <summary>This site was removed from the group; it stops.</summary>
    LocalSiteRemoved,

    /// <summary>Sync would roll back committed transactions and AUTOROLLBACK is off; the client stops syncing.</summary>
    WouldRollback,

    /// <summary>Sync rolled back a diverged tail; <see cref="RepEvent.Commits"/> lists the commits undone.</summary>
    RolledBack,

    /// <summary>A checkpoint-first promotion failed (its checkpoint did not complete); the site stays a client.</summary>
    PromotionFailed,

    /// <summary>This site cannot hold or join an election: its next election generation would pass
    /// <see cref="GenerationSpace.Last"/> (see there). Raised once per run of the machine; the group gets no new master.</summary>
    GenerationsExhausted,

    /// <summary>This site was promoted to master by hand (<see cref="Inputs.Promote"/>), after MASTER.</summary>
    Promoted,

    /// <summary>The recovery daemon elected a recovery master (<see cref="RepEvent.Site"/>; not raised by the machine).</summary>
    RecoveryMasterElected,

    /// <summary>The recovery master started a recovery (a new map generation; the reason in the site event's detail).</summary>
    Recovery,

    /// <summary>A site was banned (<see cref="RepEvent.Site"/>): election priority 0 until the ban ends.</summary>
    Banned,

    /// <summary>A site's ban ended (<see cref="RepEvent.Site"/>): its priorities restored.</summary>
    Unbanned,

    /// <summary>The recovery master's takeover run handed a shard over to spread masterships.</summary>
    TakeoverRun,
}
