using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;

namespace OrleansRep.Grains.Shards;

/// <summary>
/// What a silo's replication site is: where its data lives, how many shards the cluster has, the group's sites and
/// the replication protocol's settings. One instance may serve every silo of a test cluster: the site id defaults to
/// the silo's own (<c>LocalSiloDetails.SiteId</c>) and each site's data is under <see cref="DataRoot"/>/site-{id}.
/// </summary>
public sealed class SiteStorageOptions
{
    /// <summary>Root of the data directories: site N keeps shard S in {root}/site-N/shard-S (and shard-S.rep), its own
    /// grain state in {root}/site-N/site. Default "./data".</summary>
    public string DataRoot { get; set; } = "data";

    /// <summary>This site's id; default null: the silo's site (<c>SiloHostOptions.SiteId</c>).</summary>
    public int? SiteId { get; set; }

    /// <summary>Shards in the cluster, fixed at creation. Default <see cref="ShardMap.DefaultShards"/> (4).</summary>
    public int Shards { get; set; } = ShardMap.DefaultShards;

    /// <summary>The group: site id → election priority (0: never master). Default sites 1..3, priority 100. Every shard's
    /// group has these sites; they are written into a replica's state the first time it opens.</summary>
    public IDictionary<int, int> Sites { get; init; } = new Dictionary<int, int> { [1] = 100, [2] = 100, [3] = 100 };

    /// <summary>This site joins a running group instead of founding one (the silo's <c>--join</c>). Its new replicas
    /// start as clients of the established group (no election: the site is not a member until an operator adds it,
    /// <c>orep sites add</c>), and adopt the group's list from the first master that answers. Replicas that exist
    /// already are unaffected. Default false: a new replica is one of a new group of <see cref="Sites"/>.</summary>
    public bool Join { get; set; }

    /// <summary>How long <c>ISiteGrain.AddSite</c>/<c>RemoveSite</c> keep trying to reach each shard's master (through
    /// elections and redirects) before they report the shards that did not commit. Default 15 s.</summary>
    public TimeSpan MembershipChangeTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The replication protocol's settings (ack policy default Quorum, timeouts). Default: Berkeley DB's
    /// defaults, with heartbeats (100 ms send, 500 ms monitor), 300 ms election timeout, 1 s election retry, 500 ms ack
    /// timeout and leases on (500 ms): a master reads linearizably under its lease, and a lost master is replaced in about
    /// the lease time (the survivors wait out the lease they granted: measured ~0.5 s, ~85 ms with leases off). Bulk on
    /// (Berkeley DB's DB_REP_CONF_BULK): a transaction's records travel as one BULK_LOG, and the answer to a log request
    /// as BULK_LOGs of up to 1 MiB, one step each on the client instead of one per record (catch-up).
    /// <see cref="ReplicationOptions.Priority"/> is taken from <see cref="Sites"/>.</summary>
    public ReplicationOptions Replication { get; set; } = new()
    {
        HeartbeatSend = TimeSpan.FromMilliseconds(100),
        HeartbeatMonitor = TimeSpan.FromMilliseconds(500),
        ElectionTimeout = TimeSpan.FromMilliseconds(300),
        ElectionRetry = TimeSpan.FromSeconds(1),
        AckTimeout = TimeSpan.FromMilliseconds(500),
        Leases = true,
        LeaseTimeout = TimeSpan.FromMilliseconds(500),
        Bulk = true,
    };

    /// <summary>How often a replica feeds its state machine a clock tick. Default 20 ms.</summary>
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How often a client calls its master when it has nothing to send (an empty delivery), so that a dead
    /// master is noticed by a failed call (then an election at once) rather than by missed heartbeats. Default 50 ms.</summary>
    public TimeSpan MasterProbeInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a read with <see cref="ReadConsistency.AtLeast"/> waits for its commit to arrive. Default 5 s.</summary>
    public TimeSpan ReadWaitTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most replication messages queued to one peer; beyond it new ones are dropped (the protocol re-requests
    /// what is missing). Default 10,000.</summary>
    public int MaxQueuedMessagesPerPeer { get; set; } = 10_000;

    /// <summary>Most bytes of replication messages in one call to a peer. Default 1 MiB.</summary>
    public int MaxDeliveryBytes { get; set; } = 1 << 20;

    /// <summary>Most calls to one peer under way at once, each of up to <see cref="MaxDeliveryBytes"/>. Default 4: a
    /// client catching up is fed while it applies the previous batch, instead of waiting a round trip per batch (one
    /// in flight held a catch-up to ~15 MB/s); at most 4 MiB in flight per peer.</summary>
    public int MaxDeliveriesInFlight { get; set; } = 4;

    /// <summary>Most events a site keeps for <c>RecentEvents</c>. Default 1,000.</summary>
    public int MaxRecentEvents { get; set; } = 1_000;

    /// <summary>Most keys one scan page returns. Default 1,000.</summary>
    public int MaxScanPage { get; set; } = 1_000;

    /// <summary>How often each replica checkpoints and removes the log files recovery no longer needs (Berkeley DB's
    /// DB_LOG_AUTO_REMOVE). A client whose log is behind the files removed is brought back by internal init. Default
    /// 5 minutes; <see cref="TimeSpan.Zero"/> keeps every log file.</summary>
    public TimeSpan LogArchiveInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>On a shard's master, how long log archiving keeps the files a lagging client still needs (from the file
    /// of the last LSN it acknowledged) after that client last made progress (acknowledged something new, or was caught
    /// up), so that a client that was down or cut off for less than this catches up from the log instead of by
    /// internal init. A client silent for longer (dead, or partitioned for good) stops holding files, so it cannot fill
    /// the master's disk: at most this long of writes is kept beyond what recovery needs. A member the master has no
    /// ack from in its generation (after an election or a restart, or a site just added) holds the whole log for this
    /// long. Clients keep no retention for each other: a client asked by a peer (<see cref="SyncPeer"/>) for log it has
    /// archived sends the request on to the master. Default 10 minutes: twice <see cref="LogArchiveInterval"/>, and
    /// longer than a restart, an upgrade or a reboot of a site takes, which is what this is for; a client down for
    /// longer is better served by internal init than by the master's disk filling. <see cref="TimeSpan.Zero"/>: no
    /// retention for clients (archiving removes whatever recovery no longer needs).</summary>
    public TimeSpan LogRetentionForLaggingClients { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A size cap on what <see cref="LogRetentionForLaggingClients"/> keeps: a client that would hold more than
    /// this many bytes of log files (counted in whole files of the shard's <c>log_file_size</c>, back from the file the
    /// log ends in) holds none and comes back by internal init, however recently it made progress. For a master whose
    /// write rate times the retention time would not fit its disk. Default 0: no cap (the time bound alone).</summary>
    public long LogRetentionMaxBytes { get; set; }

    /// <summary>Client-to-client sync (repmgr's DB_REPMGR_PEER): the site this site's replicas ask first for the log
    /// they lack (first-time gap requests, VERIFY_REQ, ALL_REQ: the requests any site may answer), while it is
    /// reachable; it answers from its own log when it has the range and is live, else sends them to the master. Takes
    /// catch-up load off the master. With leases on, a client asks the peer only once its start-up is done. Default 0:
    /// every request goes to the master.</summary>
    public int SyncPeer { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(DataRoot, nameof(DataRoot));
        _ = new ShardMap(Shards);
        if (Sites.Count == 0 || Sites.Any(s => s.Key < 1 || s.Value < 0))
        {
            throw new ArgumentException("Sites must list at least one site, with positive ids and non-negative priorities", nameof(Sites));
        }

        if (SiteId is { } id && !Sites.ContainsKey(id))
        {
            throw new ArgumentException($"SiteId {id} is not one of Sites ({string.Join(", ", Sites.Keys)})", nameof(SiteId));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(TickInterval, TimeSpan.Zero, nameof(TickInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MasterProbeInterval, TimeSpan.Zero, nameof(MasterProbeInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MembershipChangeTimeout, TimeSpan.Zero, nameof(MembershipChangeTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReadWaitTimeout, TimeSpan.Zero, nameof(ReadWaitTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueuedMessagesPerPeer, 1, nameof(MaxQueuedMessagesPerPeer));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDeliveriesInFlight, 1, nameof(MaxDeliveriesInFlight));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDeliveryBytes, 1024, nameof(MaxDeliveryBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRecentEvents, 1, nameof(MaxRecentEvents));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxScanPage, 1, nameof(MaxScanPage));
        ArgumentOutOfRangeException.ThrowIfLessThan(LogArchiveInterval, TimeSpan.Zero, nameof(LogArchiveInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(LogRetentionForLaggingClients, TimeSpan.Zero, nameof(LogRetentionForLaggingClients));
        ArgumentOutOfRangeException.ThrowIfNegative(LogRetentionMaxBytes, nameof(LogRetentionMaxBytes));
        ArgumentOutOfRangeException.ThrowIfNegative(SyncPeer, nameof(SyncPeer));
        Replication.Validate();
    }
}
