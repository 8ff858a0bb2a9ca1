namespace OrleansRep.Replication.Inputs;

/// <summary>Commands from the application or an operator (Berkeley DB's rep_start, rep_elect, rep_sync; PostgreSQL's
/// promote; membership changes).</summary>
public abstract record RepCommand;

/// <summary>Start (or restart) replication in a role. <see cref="RepStartRole.Election"/> starts as client and holds
/// an election at once (repmgr's DB_REP_ELECTION).</summary>
public sealed record StartReplication(RepStartRole Role) : RepCommand;

/// <summary>Hold an election now (nsites/nvotes 0: from the group size).</summary>
public sealed record CallElection(int Nsites = 0, int Nvotes = 0) : RepCommand;

/// <summary>Promote this client to master by hand (reference section 7). <paramref name="SteppedDown"/>: the master this
/// site followed, when it confirmed that it stepped down (<see cref="StepDown"/>) and so serves no lease read any
/// more; with master leases, this site's grant to it binds no longer and the promotion need not wait it out.
/// <paramref name="Timeout"/>: how long it keeps trying to win the election that gives it its generation (zero: 60 s).</summary>
public sealed record Promote(PromotionMode Mode, SiteId SteppedDown = default, TimeSpan Timeout = default) : RepCommand;

/// <summary>A master stops being master by hand (the first step of a handover, or of a promotion of another site): it
/// becomes a client with no master (CLIENT event), pending writes are answered, and it follows whichever master
/// announces itself next. No election is called: the site being promoted announces itself.</summary>
public sealed record StepDown : RepCommand;

/// <summary>A delayed client starts its sync now (Berkeley DB's rep_sync).</summary>
public sealed record SyncNow : RepCommand;

/// <summary>On the master: add a site to the group.</summary>
public sealed record AddSite(SiteInfo Site) : RepCommand;

/// <summary>Remove a site from the group (forwarded to the master when given to a client).</summary>
public sealed record RemoveSite(SiteId Site) : RepCommand;

/// <summary>Change this site's election priority.</summary>
public sealed record SetPriority(int Priority) : RepCommand;

public enum RepStartRole
{
    Client,
    Master,
    Election,
}

public enum PromotionMode
{
    /// <summary>Open for writes at once, then checkpoint (PostgreSQL's fast promotion, the default).</summary>
    Fast,

    /// <summary>Checkpoint first, then open for writes (the old fallback_promote path).</summary>
    CheckpointFirst,
}
