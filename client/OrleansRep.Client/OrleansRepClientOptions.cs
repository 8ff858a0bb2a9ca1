using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Client;

/// <summary>How an <see cref="OrleansRepClient"/> reaches the cluster, who it is, and how long it keeps trying.</summary>
public sealed class OrleansRepClientOptions
{
    /// <summary>The local cluster's gateways (site N listens on 30000+N).</summary>
    public static readonly IReadOnlyList<string> LocalGateways = ["127.0.0.1:30001", "127.0.0.1:30002", "127.0.0.1:30003"];

    /// <summary>The site gateways, "HOST:PORT" (the site id is learned on connecting) or "SITE=HOST:PORT". Default
    /// <see cref="LocalGateways"/>.</summary>
    public IList<string> Gateways { get; set; } = [.. LocalGateways];

    /// <summary>The secret this client proves (at least 16 bytes): its own credential's, or the cluster secret. Default
    /// null: read <see cref="SecretFile"/>.</summary>
    public byte[]? Secret { get; set; }

    /// <summary>Where the secret is when <see cref="Secret"/> is not set: the file's bytes, or, when its text is only hex
    /// digits, the bytes they spell. Default "data/cluster.secret" (the local cluster's).</summary>
    public string SecretFile { get; set; } = Path.Combine("data", "cluster.secret");

    /// <summary>The id the sites see for this client. Default "orep-client".</summary>
    public string ClientId { get; set; } = "orep-client";

    /// <summary>The roles claimed (at most the credential's). Default Read | Write; <c>Admin</c> for elections.</summary>
    public ClientRoles Roles { get; set; } = ClientRoles.Read | ClientRoles.Write;

    /// <summary>The gateways' TLS certificate to pin. Default none: plain TCP (loopback only).</summary>
    public X509Certificate2? PinnedServerCertificate { get; set; }

    /// <summary>Connect through this in-process network instead of sockets (tests). Default null.</summary>
    public InMemoryNetwork? Network { get; set; }

    /// <summary>Longest wait for one gateway's connection and handshake. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait for one call's answer (an AtLeast read waits up to the site's 5 s inside it). Default 10 s.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest wait for one attempt of a request to a shard's master (a write or a linearizable read) before
    /// the client tries elsewhere. A hung master (stopped, not dead: its connections stay open) never answers, and the
    /// other sites elect a new one within a second; a master that answers late still applied the write, and the retry
    /// puts the same data again. Default 1 s (a write waits at most its site's ack timeout, 500 ms, for acks).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>While a request to a shard's master has had no answer for this long, the client asks another site (the
    /// same request: a site that is not master only names the master it follows), and again after each such interval;
    /// when that site names another master (the others elected one while this one hangs), the request goes there at
    /// once instead of waiting out <see cref="AttemptTimeout"/>. Default 100 ms: a hung master is replaced after its
    /// lease (500 ms by default) and an election, and a request then follows within about this long; a healthy master
    /// answers most writes well before it (a slower one costs one redirect per interval).</summary>
    public TimeSpan MasterCheckInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a request keeps retrying through elections, redirects and lost sites before it fails with
    /// <see cref="ShardUnavailableException"/>. Default 15 s (an election takes well under a second by default).</summary>
    public TimeSpan RetryDeadline { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The first pause between retries; it doubles up to <see cref="MaxBackoff"/>. Default 5 ms.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The longest pause between retries, and how long a gateway that refused a connection is left alone.
    /// Default 20 ms: a request notices a new master at most this long after it is elected (a retry is one small call
    /// per waiting request, and a refused connect costs the dead site nothing). It was 50 ms; on a loaded 2-core machine
    /// an election takes 50-150 ms, so the waiting requests were at their longest pause by then and added ~25 ms to a
    /// failover on average.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>The cluster's shard count (fixed when it was created). Default 0: learned on connecting, from the
    /// replicas the first site that answers reports (a wrong count would send keys to the wrong shards).</summary>
    public int Shards { get; set; }

    /// <summary>Keys asked for per scan page and shard. Default 500.</summary>
    public int ScanPageSize { get; set; } = 500;

    /// <summary>How often the event feed polls each site (clients cannot subscribe to cluster streams yet). Default 250 ms.</summary>
    public TimeSpan EventPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public void Validate()
    {
        if (Gateways is null || Gateways.Count == 0)
        {
            throw new ArgumentException("at least one gateway (HOST:PORT) is needed", nameof(Gateways));
        }

        _ = ParseGateways(Gateways);
        if (Shards != 0)
        {
            _ = new ShardMap(Shards);
        }

        ArgumentException.ThrowIfNullOrEmpty(ClientId, nameof(ClientId));
        foreach (var (value, name) in new[] { (ConnectTimeout, nameof(ConnectTimeout)), (CallTimeout, nameof(CallTimeout)), (RetryDeadline, nameof(RetryDeadline)), (AttemptTimeout, nameof(AttemptTimeout)), (MasterCheckInterval, nameof(MasterCheckInterval)), (InitialBackoff, nameof(InitialBackoff)), (MaxBackoff, nameof(MaxBackoff)), (EventPollInterval, nameof(EventPollInterval)) })
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, name);
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(ScanPageSize, 1, nameof(ScanPageSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBackoff, InitialBackoff, nameof(MaxBackoff));
    }

    /// <summary>The secret to prove: <see cref="Secret"/>, else <see cref="SecretFile"/>'s content.</summary>
    /// <exception cref="ArgumentException">Neither gives at least 16 bytes.</exception>
    public byte[] ResolveSecret()
    {
        if (Secret is { } secret)
        {
            return secret;
        }

        if (!File.Exists(SecretFile))
        {
            throw new ArgumentException($"no secret given and the secret file {Path.GetFullPath(SecretFile)} does not exist (is the cluster started?)");
        }

        return OrleansRep.Runtime.Transport.SecretFile.Read(SecretFile, "the cluster secret");
    }

    /// <summary>Parses "HOST:PORT" and "SITE=HOST:PORT" entries (site 0: to be learned).</summary>
    internal static IReadOnlyList<(int Site, EndPoint EndPoint)> ParseGateways(IEnumerable<string> gateways) =>
        [.. gateways.Select(g =>
        {
            var equals = g.IndexOf('=', StringComparison.Ordinal);
            var site = 0;
            if (equals >= 0 && (!int.TryParse(g.AsSpan(0, equals), NumberStyles.None, CultureInfo.InvariantCulture, out site) || site < 1))
            {
                throw new ArgumentException($"gateway '{g}': the site before '=' must be a positive number", nameof(gateways));
            }

            var address = g[(equals + 1)..].Trim();
            var colon = address.LastIndexOf(':');
            if (colon <= 0 || !ushort.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port == 0)
            {
                throw new ArgumentException($"gateway '{g}' is not HOST:PORT", nameof(gateways));
            }

            var host = address[..colon].Trim('[', ']');
            EndPoint endPoint = IPAddress.TryParse(host, out var ip) ? new IPEndPoint(ip, port) : new DnsEndPoint(host, port);
            return (site, endPoint);
        })];
}
