using System.Globalization;
using System.Text;
using OrleansRep.Replication;
using OrleansRep.Simulation.Cluster;
using OrleansRep.Simulation.Network;
using OrleansRep.Simulation.Sites;

namespace OrleansRep.Simulation.Runs;

/// <summary>How a run starts its sites.</summary>
public enum StartMode
{
    /// <summary>One site starts as master, the others as clients.</summary>
    OneMaster,

    /// <summary>Every site starts and holds an election (repmgr's DB_REP_ELECTION).</summary>
    AllElect,
}

/// <summary>
/// Everything about a run's cluster that its seed decides (the shape stream): how many sites (3-7), their priorities
/// (some seeds have priority-0 sites), the ack policy, the protocol options (Berkeley DB's defaults, with some seeds
/// turning on bulk transfer, leases, delayed clients, heartbeats, a non-strict two-site mode or a small parking
/// bound), how the sites start, each site's clock, tick period and disk, the size of log files and the wire's
/// misbehaviour.
/// </summary>
public sealed record ClusterShape(
    IReadOnlyList<SiteSetup> Sites,
    ReplicationOptions Options,
    StartMode Start,
    SiteId FirstMaster,
    uint FileBytes,
    NetworkFaults Network)
{
    public const int MinSites = 3;
    public const int MaxSites = 7;

    /// <summary>Draws a shape from <paramref name="seed"/>'s shape stream; <paramref name="sites"/> overrides the
    /// number of sites (the count is drawn anyway, so the rest of the shape stays as the seed says).</summary>
    public static ClusterShape From(int seed, int? sites = null)
    {
        if (sites is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(sites), "from 1 to 64 sites");
        }

        var r = SeedStreams.For(seed, RandomConcern.Shape);
        var drawn = r.Next(MinSites, MaxSites + 1);
        var n = sites ?? drawn;

        // Per-site draws are made for at least MaxSites sites whatever the count, so overriding it changes nothing else.
        var drawnSites = Math.Max(n, MaxSites);
        var priorities = new int[drawnSites];
        var someUnelectable = r.NextDouble() < 0.3;
        for (var i = 0; i < drawnSites; i++)
        {
            priorities[i] = someUnelectable && r.NextDouble() < 0.3 ? 0 : 10 * r.Next(1, 21);
        }

        // At least two electable sites (one when the group has a single site), so a master can always be replaced.
        for (var i = 0; i < Math.Min(2, n); i++)
        {
            if (priorities[i] == 0)
            {
                priorities[i] = 100;
            }
        }

        var ack = r.NextDouble() < 0.6
            ? AckPolicy.Quorum
            : new[] { AckPolicy.All, AckPolicy.AllAvailable, AckPolicy.AllPeers, AckPolicy.None, AckPolicy.One, AckPolicy.OnePeer }[r.Next(6)];
        var leases = r.NextDouble() < 0.15;
        var skew = leases ? 1.0 + (r.Next(0, 6) / 100.0) : 1.0;
        var heartbeat = r.NextDouble() < 0.8 ? TimeSpan.FromMilliseconds(r.Next(100, 1001)) : TimeSpan.Zero;
        var options = new ReplicationOptions
        {
            AckPolicy = ack,
            Bulk = r.NextDouble() < 0.2,
            DelayClient = r.NextDouble() < 0.1,
            TwoSiteStrict = r.NextDouble() >= 0.1,
            Leases = leases,
            LeaseTimeout = leases ? TimeSpan.FromMilliseconds(r.Next(500, 3001)) : TimeSpan.Zero,
            ClockSkew = skew,
            HeartbeatSend = heartbeat,
            HeartbeatMonitor = heartbeat * 3,
            ElectionTimeout = r.NextDouble() < 0.3 ? TimeSpan.FromMilliseconds(r.Next(300, 2001)) : TimeSpan.FromSeconds(2),
            MaxParkedRecords = r.NextDouble() < 0.2 ? r.Next(16, 1025) : 100_000,
        };

        // With leases a group gets masters only from elections (a master start is refused): such a group elects.
        var start = r.NextDouble() < 0.5 && !(leases && n > 1) ? StartMode.OneMaster : StartMode.AllElect;
        var electable = Enumerable.Range(0, n).Where(i => priorities[i] > 0).ToList();
        var firstMaster = new SiteId(electable[r.Next(electable.Count)] + 1);
        var fileBytes = (uint)(r.Next(16, 65) * 1024);

        // Clocks: drift within the lease skew bound (two clocks drifting opposite ways stay within it), else 200 ppm.
        var maxDrift = leases ? SimClock.MaxDriftFor(skew) : 200;
        var setups = new List<SiteSetup>(drawnSites);
        for (var i = 0; i < drawnSites; i++)
        {
            setups.Add(new SiteSetup(
                new SiteId(i + 1),
                options with { Priority = priorities[i] },
                TickInterval: SimTime.Ms(r.Next(2, 11)),
                DiskLatency: r.NextInt64(100, 5_001),
                ClockOffset: r.NextInt64(0, SimTime.Second),
                DriftPpm: maxDrift == 0 ? 0 : r.Next(-maxDrift, maxDrift + 1)));
        }

        setups.RemoveRange(n, drawnSites - n);
        var minLatency = r.NextInt64(100, 1_001);
        var network = new NetworkFaults
        {
            DropRate = r.NextDouble() * 0.05,
            DuplicateRate = r.NextDouble() * 0.03,
            DelayRate = r.NextDouble() * 0.03,
            ReorderRate = r.NextDouble() * 0.05,
            AnywhereRedirectRate = r.NextDouble() * 0.3,
            MinLatency = minLatency,
            MaxLatency = minLatency + r.NextInt64(0, 5_000),
            MaxDelay = SimTime.Ms(r.Next(50, 501)),
        };

        // Drawn last, so the draws above stay what each seed drew before: some seeds cut log streams into small
        // windows, so that LOG_MORE and the requests that follow it are exercised (the default is 10 MiB).
        if (r.NextDouble() < 0.3)
        {
            options = options with { RequestLimitBytes = r.Next(256, 16_385) };
            setups = [.. setups.Select(s => s with { Options = s.Options with { RequestLimitBytes = options.RequestLimitBytes } })];
        }

        return new ClusterShape(setups, options, start, firstMaster, fileBytes, network);
    }

    /// <summary>One line describing the shape (for reports).</summary>
    public string Describe()
    {
        var o = Options;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Sites.Count} sites, priorities {string.Join(' ', Sites.Select(s => s.Options.Priority))}, ack {o.AckPolicy}, start {Start}");
        if (Start == StartMode.OneMaster)
        {
            text.Append(CultureInfo.InvariantCulture, $" ({FirstMaster})");
        }

        foreach (var (on, name) in new[] { (o.RequestLimitBytes != ReplicationOptions.DefaultRequestLimitBytes, $"request-limit {o.RequestLimitBytes}"), (o.Bulk, "bulk"), (o.Leases, "leases"), (o.DelayClient, "delay-client"), (!o.TwoSiteStrict, "no-2site-strict"), (o.HeartbeatSend > TimeSpan.Zero, "heartbeats") })
        {
            if (on)
            {
                text.Append(' ').Append(name);
            }
        }

        return text.ToString();
    }
}
