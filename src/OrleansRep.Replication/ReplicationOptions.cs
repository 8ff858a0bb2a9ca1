namespace OrleansRep.Replication;

/// <summary>
/// Options of a site's replication. Every default is Berkeley DB 5.3's (reference section 10) unless noted. Times
/// are <see cref="TimeSpan"/>s here; the machine works in microseconds of its tick clock.
/// </summary>
public sealed record ReplicationOptions
{
    /// <summary>This site's election priority; 0 = never master and not counted as a peer. Default 100.</summary>
    public int Priority { get; init; } = 100;

    /// <summary>Default <see cref="AckPolicy.Quorum"/>.</summary>
    public AckPolicy AckPolicy { get; init; } = AckPolicy.Quorum;

    /// <summary>How long a commit waits for acks before PERM_FAILED. Default 1 s.</summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>First wait before re-requesting a gap; doubles up to <see cref="RequestGapMax"/>. Default 40 ms.</summary>
    public TimeSpan RequestGapMin { get; init; } = TimeSpan.FromMilliseconds(40);

    /// <summary>Default 1.28 s.</summary>
    public TimeSpan RequestGapMax { get; init; } = TimeSpan.FromMilliseconds(1280);

    /// <summary>Default 2 s.</summary>
    public TimeSpan ElectionTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Election timeout while the group never had a master (wait for every site); zero = off (default).</summary>
    public TimeSpan FullElectionTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>Wait between failed elections. Default 10 s.</summary>
    public TimeSpan ElectionRetry { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Master sends a heartbeat after this long without broadcasting; zero = off (default).</summary>
    public TimeSpan HeartbeatSend { get; init; } = TimeSpan.Zero;

    /// <summary>Client declares the master failed after this long without hearing from it; zero = off (default).</summary>
    public TimeSpan HeartbeatMonitor { get; init; } = TimeSpan.Zero;

    /// <summary>Batch log records into BULK_LOG messages. Default off.</summary>
    public bool Bulk { get; init; }

    /// <summary>Bulk buffer size. Default 1 MiB.</summary>
    public int BulkBytes { get; init; } = 1 << 20;

    /// <summary>Default of <see cref="RequestLimitBytes"/>: 10 MiB.</summary>
    public const long DefaultRequestLimitBytes = 10L << 20;

    /// <summary>Most bytes answered per request before LOG_MORE (rep_set_limit); 0 = no limit. Default 10 MiB.</summary>
    public long RequestLimitBytes { get; init; } = DefaultRequestLimitBytes;

    /// <summary>Most records a client parks while waiting for a gap; beyond it, later records are dropped (they are
    /// re-requested). Ours (Berkeley DB's is bounded only by disk). Default 100 000.</summary>
    public int MaxParkedRecords { get; init; } = 100_000;

    /// <summary>Most proposals a master keeps waiting for acks; a commit beyond it is answered at once with
    /// <see cref="AckPolicyNotMet"/> (it stands locally, its durability is not tracked). Ours (Berkeley DB blocks one
    /// thread per commit instead). Default 10 000.</summary>
    public int MaxPendingProposals { get; init; } = 10_000;

    /// <summary>Initialise a client from a snapshot when the master lacks the log it needs. Default on.</summary>
    public bool AutoInit { get; init; } = true;

    /// <summary>Master, internal init: a prepared snapshot that no client has asked a chunk of for this long is released
    /// (<see cref="Actions.ReleaseSnapshot"/>). Ours (Berkeley DB serves pages straight from its files). Default 60 s.</summary>
    public TimeSpan SnapshotIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Roll back committed transactions of a diverged tail when syncing. Off: refuse (WOULD_ROLLBACK). Default on.</summary>
    public bool AutoRollback { get; init; } = true;

    /// <summary>A client learns the master but syncs only on <see cref="Inputs.SyncNow"/>. Default off.</summary>
    public bool DelayClient { get; init; }

    /// <summary>Operations during a lockout fail at once instead of waiting. Default off.</summary>
    public bool NoWait { get; init; }

    /// <summary>In a two-site group the survivor does not elect itself. Default on.</summary>
    public bool TwoSiteStrict { get; init; } = true;

    /// <summary>Hold elections when the master is lost. Default on.</summary>
    public bool Elections { get; init; } = true;

    /// <summary>Master leases (opt-in); needs <see cref="LeaseTimeout"/>.</summary>
    public bool Leases { get; init; }

    /// <summary>No default in Berkeley DB; must be set with <see cref="Leases"/>.</summary>
    public TimeSpan LeaseTimeout { get; init; }

    /// <summary>Clock skew bound as fast/slow ratio (1/1 default): lease durations are adjusted by it on both sides.</summary>
    public double ClockSkew { get; init; } = 1.0;

    /// <summary>Checks ranges; a bad value is an <see cref="ArgumentException"/> naming the option.</summary>
    public void Validate()
    {
        if (Priority < 0)
        {
            throw new ArgumentException($"Priority {Priority} must not be negative");
        }

        if (RequestGapMin <= TimeSpan.Zero || RequestGapMax < RequestGapMin)
        {
            throw new ArgumentException("RequestGapMin must be positive and not above RequestGapMax");
        }

        if (AckTimeout <= TimeSpan.Zero || ElectionTimeout <= TimeSpan.Zero || ElectionRetry <= TimeSpan.Zero)
        {
            throw new ArgumentException("AckTimeout, ElectionTimeout and ElectionRetry must be positive");
        }

        if (Leases && LeaseTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("Leases need a positive LeaseTimeout");
        }

        if (ClockSkew < 1.0)
        {
            throw new ArgumentException("ClockSkew is fast/slow and must be at least 1");
        }

        if (SnapshotIdleTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("SnapshotIdleTimeout must be positive");
        }

        if (BulkBytes < 1024 || MaxParkedRecords < 1)
        {
            throw new ArgumentException("BulkBytes must be at least 1 KiB and MaxParkedRecords at least 1");
        }

        if (MaxPendingProposals < 1 || RequestLimitBytes < 0)
        {
            throw new ArgumentException("MaxPendingProposals must be at least 1 and RequestLimitBytes not negative");
        }
    }
}
