using System.Globalization;
using System.Net;
using OrleansRep.Replication;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Silo;

/// <summary>
/// One site's configuration, bound from appsettings.json, then <c>OREP_*</c> environment variables, then the command
/// line (later wins; see <see cref="SiteConfiguration"/>). Every default works for site N of the local 3-site cluster
/// on a laptop: only <see cref="SiteId"/> and the cluster secret file are needed.
/// </summary>
public sealed class SiteOptions
{
    /// <summary>This site's id, a positive integer (<c>--site-id</c>). Default none: the process starts the local
    /// 3-site cluster instead (<see cref="LocalCluster"/>).</summary>
    public int? SiteId { get; set; }

    /// <summary>Root of the data (<c>--data</c>): site N keeps its shards and state in {DataRoot}/site-N. Default "data".</summary>
    public string DataRoot { get; set; } = "data";

    /// <summary>Site-to-site endpoint (membership, replication; <c>--site-endpoint</c>). Default 127.0.0.1:(11110+id).</summary>
    public string? SiteEndPoint { get; set; }

    /// <summary>Client gateway endpoint (<c>--gateway-endpoint</c>). Default 127.0.0.1:(30000+id).</summary>
    public string? GatewayEndPoint { get; set; }

    /// <summary>HTTP endpoint: health, metrics, status, events (<c>--http-endpoint</c>). Default 127.0.0.1:(8080+id).</summary>
    public string? HttpEndPoint { get; set; }

    /// <summary>
    /// The group (<c>--sites</c>): every site as "id=host:port" (its site-to-site endpoint), optionally "/priority"
    /// (default 100, 0: never master), comma-separated. They are also the membership seeds. This site's entry must
    /// match <see cref="SiteEndPoint"/>. Default the local cluster: "1=127.0.0.1:11111,2=127.0.0.1:11112,3=127.0.0.1:11113".
    /// </summary>
    public string Sites { get; set; } = "1=127.0.0.1:11111,2=127.0.0.1:11112,3=127.0.0.1:11113";

    /// <summary>Join a running group rather than found one (<c>--join</c>, a flag): for a site added while the cluster
    /// runs (<c>orep sites add</c>). Its new replicas start as clients of the established group, call no election and
    /// take the group's list from its masters; the silo joins the cluster through the other sites only (it never founds
    /// one alone). <see cref="Sites"/> lists the existing sites and this one. Ignored by replicas that exist already.
    /// Default false: the sites of <see cref="Sites"/> found the group together.</summary>
    public bool Join { get; set; }

    /// <summary>Whether a replica too far behind its master's log (a new or wiped site, or one whose log the master
    /// archived) is brought back by internal init (Berkeley DB's AUTOINIT). Off (<c>--no-autoinit</c>): it raises
    /// JOIN_FAILURE in the site's events and takes no log until the site restarts, so an operator can restore a backup
    /// into its home (<c>orep restore</c>) instead of copying the whole shard over the network. Default true.</summary>
    public bool AutoInit { get; set; } = true;

    /// <summary>This site's election priority (<c>--priority</c>; 0: never master). Default 100.</summary>
    public int Priority { get; set; } = 100;

    /// <summary>Shards in the cluster, fixed at creation (<c>--shards</c>). Default 4.</summary>
    public int Shards { get; set; } = 4;

    /// <summary>Default ack policy of writes (<c>--ack-policy</c>). Default Quorum.</summary>
    public AckPolicy AckPolicy { get; set; } = AckPolicy.Quorum;

    /// <summary>Master heartbeat period (<c>--heartbeat</c>); a client holds an election after 5 missed. Default 100 ms.</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long an election waits for votes (<c>--election-timeout</c>). Default 300 ms.</summary>
    public TimeSpan ElectionTimeout { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>How long a write waits for its acks before PERM_FAILED (<c>--ack-timeout</c>). Default 500 ms.</summary>
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Master lease (<c>--lease-timeout</c>) for linearizable reads; zero turns leases off. Default 500 ms: a hung
    /// master (stopped, its connections open) is replaced once its clients' grants end and they have missed its
    /// heartbeats (5 × 100 ms), well within a second; a killed one at once (its address refuses connections, which voids
    /// the grants).</summary>
    public TimeSpan LeaseTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a membership probe of another site may take before it counts as missed (<c>--probe-timeout</c>).
    /// Default 500 ms: a killed site is declared dead within about two seconds, and a site slowed by a busy machine
    /// (JIT, recovery, a loaded CPU) is not declared dead by mistake, which restarts it. Replication does not wait for
    /// this: a killed master is noticed at once (its address refuses connections), a hung one by its heartbeats.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Missed probes in a row before a site votes another dead (<c>--missed-probes</c>). Default 3.</summary>
    public int MissedProbes { get; set; } = 3;

    /// <summary>How often each replica checkpoints and removes the log files it no longer needs (<c>--LogArchiveInterval=</c>;
    /// zero keeps every file). Default 5 minutes. <c>orep bench catchup</c> sets it to force or rule out internal init.</summary>
    public TimeSpan LogArchiveInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>On a shard's master, how long log archiving keeps the files a lagging client still needs after it last
    /// made progress (<c>--LogRetentionForLaggingClients=00:10:00</c>): a client down for less catches up from the log,
    /// not by internal init; a dead one stops holding files after it. Default 10 minutes (two archive intervals, longer
    /// than a restart or an upgrade takes); 0: no retention for clients. <c>orep bench catchup --mode init</c> sets 0.</summary>
    public TimeSpan LogRetentionForLaggingClients { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A size cap on that retention (<c>--LogRetentionMaxBytes=</c>, bytes): a client that would hold more log
    /// than this comes back by internal init. Default 0: no cap (the time bound alone).</summary>
    public long LogRetentionMaxBytes { get; set; }

    /// <summary>How often the site looks for a promote trigger file in its data directory (<c>promote</c>: fast,
    /// <c>promote.checkpoint</c>: checkpoint first; <see cref="PromoteTrigger"/>). Default 1 s (PostgreSQL re-checks
    /// every 5 s); 0: no trigger file.</summary>
    public TimeSpan PromoteTriggerInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>PKCS#12 file with the cluster's TLS certificate and key (<c>--certificate</c>). Default none: plain TCP,
    /// which the transport allows on loopback only.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Password of <see cref="CertificatePath"/>. Default none.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>The cluster secret itself (UTF-8, at least 16 bytes; <c>OREP_CLUSTERSECRET</c>). Default none: read
    /// <see cref="ClusterSecretFile"/>.</summary>
    public string? ClusterSecret { get; set; }

    /// <summary>File holding the cluster secret (<c>--secret-file</c>; its text, trimmed, as UTF-8). Default
    /// {DataRoot}/cluster.secret, the file the local cluster generates and <c>orep</c> reads.</summary>
    public string? ClusterSecretFile { get; set; }

    /// <summary>Application clients by name, each with its own secret file and roles. Default none: only holders of
    /// the cluster secret (silos, operator tools such as <c>orep</c>) may connect.</summary>
    public Dictionary<string, SiteClient> Clients { get; } = new(StringComparer.Ordinal);

    /// <summary>The recovery master's tunables (<c>--Recovery:RecoverInterval=00:00:01</c>, <c>--Recovery:RecoveryBanPeriod=00:05:00</c>,
    /// ...; see <see cref="Grains.Recovery.RecoveryOptions"/> for each default).</summary>
    public Grains.Recovery.RecoveryOptions Recovery { get; set; } = new();

    /// <summary>Site-to-site endpoint, resolved.</summary>
    public IPEndPoint SiteIPEndPoint => EndPointOr(SiteEndPoint, 11110, nameof(SiteEndPoint), anyAllowed: false);

    /// <summary>Client gateway endpoint, resolved.</summary>
    public IPEndPoint GatewayIPEndPoint => EndPointOr(GatewayEndPoint, 30000, nameof(GatewayEndPoint), anyAllowed: true);

    /// <summary>HTTP endpoint, resolved.</summary>
    public IPEndPoint HttpIPEndPoint => EndPointOr(HttpEndPoint, 8080, nameof(HttpEndPoint), anyAllowed: true);

    /// <summary>The secret file, resolved.</summary>
    public string SecretFile => ClusterSecretFile ?? Path.Combine(DataRoot, "cluster.secret");

    /// <summary>The group parsed from <see cref="Sites"/>: id → (endpoint, priority), this site at <see cref="Priority"/>.</summary>
    public IReadOnlyDictionary<int, (IPEndPoint EndPoint, int Priority)> Group()
    {
        var group = new SortedDictionary<int, (IPEndPoint, int)>();
        foreach (var entry in Sites.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            var slash = entry.IndexOf('/', StringComparison.Ordinal);
            var address = slash < 0 ? entry[(eq + 1)..] : entry[(eq + 1)..slash];
            if (eq < 1 || !int.TryParse(entry[..eq], NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id < 1
                || !IPEndPoint.TryParse(address, out var endPoint) || endPoint.Port == 0 && id != SiteId
                || !TryPriority(slash < 0 ? null : entry[(slash + 1)..], out var priority)
                || !group.TryAdd(id, (endPoint, id == SiteId ? Priority : priority)))
            {
                throw new ArgumentException($"Sites: '{entry}' is not \"id=ip:port[/priority]\" with a new positive id (in '{Sites}')");
            }
        }

        return group;
    }

    /// <summary>Throws <see cref="ArgumentException"/> with a message naming the option and what is wrong.</summary>
    public void Validate()
    {
        if (SiteId is not { } id || id < 1)
        {
            throw new ArgumentException($"SiteId must be a positive integer (--site-id), not {SiteId?.ToString(CultureInfo.InvariantCulture) ?? "unset"}");
        }

        if (string.IsNullOrWhiteSpace(DataRoot))
        {
            throw new ArgumentException("DataRoot (--data) must name a directory");
        }

        var group = Group();
        if (!group.TryGetValue(id, out var self))
        {
            throw new ArgumentException($"Sites ('{Sites}') must list this site ({id})");
        }

        if (!self.EndPoint.Equals(SiteIPEndPoint))
        {
            throw new ArgumentException($"SiteEndPoint {SiteIPEndPoint} differs from this site's entry in Sites ({self.EndPoint})");
        }

        var endPoints = new[] { (nameof(SiteEndPoint), SiteIPEndPoint), (nameof(GatewayEndPoint), GatewayIPEndPoint), (nameof(HttpEndPoint), HttpIPEndPoint) };
        var clash = endPoints.Where(e => e.Item2.Port != 0).GroupBy(e => e.Item2).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
        {
            throw new ArgumentException($"{string.Join(" and ", clash.Select(e => e.Item1))} are both {clash.Key}");
        }

        Require(Priority >= 0, $"Priority must be 0 or more, not {Priority}");
        Require(Shards is >= 1 and <= 1024, $"Shards must be 1..1024, not {Shards}");
        Require(Enum.IsDefined(AckPolicy), $"AckPolicy must be one of {string.Join(", ", Enum.GetNames<AckPolicy>())}");
        Require(Heartbeat > TimeSpan.Zero && ElectionTimeout > TimeSpan.Zero && AckTimeout > TimeSpan.Zero && ProbeTimeout > TimeSpan.Zero && MissedProbes > 0 && LeaseTimeout >= TimeSpan.Zero && LogArchiveInterval >= TimeSpan.Zero && PromoteTriggerInterval >= TimeSpan.Zero,
            "Heartbeat, ElectionTimeout, AckTimeout, ProbeTimeout and MissedProbes must be positive, LeaseTimeout, LogArchiveInterval and PromoteTriggerInterval not negative");

        Require(LogRetentionForLaggingClients >= TimeSpan.Zero, $"LogRetentionForLaggingClients must not be negative, not {LogRetentionForLaggingClients}");
        Require(LogRetentionMaxBytes >= 0, $"LogRetentionMaxBytes must not be negative, not {LogRetentionMaxBytes}");
        ValidateSyncOptions();

        Recovery.Validate();
        if (CertificatePath is not null && !File.Exists(CertificatePath))
        {
            throw new ArgumentException($"CertificatePath: no file '{Path.GetFullPath(CertificatePath)}'");
        }
    }

    /// <summary>The cluster secret: <see cref="ClusterSecret"/>, else the contents of <see cref="SecretFile"/>.</summary>
    /// <exception cref="ArgumentException">Missing, unreadable or shorter than 16 bytes.</exception>
    public byte[] ReadSecret() => ClusterSecret is not null
        ? Secret(ClusterSecret, "the cluster secret")
        : File.Exists(SecretFile)
            ? Secret(File.ReadAllText(SecretFile), "the cluster secret")
            : throw new ArgumentException($"no cluster secret: the secret file '{Path.GetFullPath(SecretFile)}' does not exist (set --secret-file or OREP_CLUSTERSECRET; `dotnet run --project silo/OrleansRep.Silo` creates one for the local cluster)");

    /// <summary>The application clients' credentials, their secrets read from their files.</summary>
    /// <exception cref="ArgumentException">A secret file is missing or its secret too short.</exception>
    public IReadOnlyList<ClientCredential> ReadClientCredentials() => [.. Clients.Select(c => File.Exists(c.Value.SecretFile)
        ? new ClientCredential(c.Key, Secret(File.ReadAllText(c.Value.SecretFile), $"client '{c.Key}''s secret"), c.Value.Roles)
        : throw new ArgumentException($"Clients:{c.Key}: the secret file '{c.Value.SecretFile}' does not exist"))];

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }

    private static byte[] Secret(string text, string what) => OrleansRep.Runtime.Transport.SecretFile.FromText(text, what);

    // The site endpoint is the address peers place this site's grains at, so it must be one they can reach; the
    // gateway and HTTP may listen on every interface.
    private IPEndPoint EndPointOr(string? text, int basePort, string name, bool anyAllowed)
    {
        if (text is null)
        {
            return new IPEndPoint(IPAddress.Loopback, basePort + (SiteId ?? 0));
        }

        return IPEndPoint.TryParse(text, out var endPoint) && (anyAllowed || !endPoint.Address.Equals(IPAddress.Any) && !endPoint.Address.Equals(IPAddress.IPv6Any))
            ? endPoint
            : throw new ArgumentException($"{name}: '{text}' is not an ip:port{(anyAllowed ? "" : " peers can reach (not 0.0.0.0)")}");
    }

    private static bool TryPriority(string? text, out int priority)
    {
        priority = 100;
        return text is null || int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out priority);
    }
    /// <summary>Delayed client sync (<c>--delay-client-sync</c>, a flag; Berkeley DB's DB_REP_CONF_DELAYCLIENT): when a
    /// replica of this site learns a new master it takes no log from it until an operator runs <c>orep sync --site N</c>
    /// (to stagger the sync of many sites, or to sync after a peer has). Reads are served from the data it has meanwhile.
    /// Default false: a client syncs as soon as it knows its master.</summary>
    public bool DelayClientSync { get; set; }

    /// <summary>NOWAIT (<c>--nowait</c>, a flag; Berkeley DB's DB_REP_CONF_NOWAIT): reads and writes that would wait for
    /// a lockout (role change, the truncation after verify, internal init) or for a sync with the master (a read of a
    /// commit not applied yet) fail at once with ShardLockedOutException. Default false: they wait.</summary>
    public bool NoWait { get; set; }

    /// <summary>Client-to-client sync (<c>--sync-peer N</c>; repmgr's DB_REPMGR_PEER): this site's replicas ask site N
    /// first for the log they lack, while it is reachable, and the master when N cannot answer. Default 0: ask the
    /// master.</summary>
    public int SyncPeer { get; set; }

    private void ValidateSyncOptions() =>
        Require(SyncPeer >= 0 && SyncPeer != SiteId && (SyncPeer == 0 || Group().ContainsKey(SyncPeer)),
            $"SyncPeer (--sync-peer) must be 0 (off) or another site of Sites, not {SyncPeer}");
}
