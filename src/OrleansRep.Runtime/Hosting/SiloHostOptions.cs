using System.Net;
using System.Security.Cryptography.X509Certificates;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Placement;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Hosting;

/// <summary>How one silo listens, authenticates, joins its cluster and places grains.</summary>
public sealed class SiloHostOptions
{
    /// <summary>The endpoint for both silo-to-silo traffic and client grain calls. Default loopback, port 0 (any free port).</summary>
    public IPEndPoint EndPoint { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>
    /// A separate client gateway endpoint, or null (default): none. Its grain calls are placed like the silo's own, so
    /// a call for a grain on another silo is forwarded there; it takes no membership or stream frames.
    /// </summary>
    public IPEndPoint? GatewayEndPoint { get; init; }

    /// <summary>The cluster secret (at least 16 bytes), shared by every silo and client. Required.</summary>
    public byte[] ClusterSecret { get; init; } = [];

    /// <summary>Application clients known by name, each with its own secret and most roles. Default none.</summary>
    public IReadOnlyList<ClientCredential> Credentials { get; init; } = [];

    /// <summary>
    /// The cluster's TLS certificate (with private key): this silo serves with it and pins it when calling other silos.
    /// Default none: plain TCP, allowed on loopback only.
    /// </summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>Endpoints of silos to join through. Default none: this silo starts a new cluster.</summary>
    public IReadOnlyList<EndPoint> Seeds { get; init; } = [];

    /// <summary>The replication site this silo serves; site-keyed grains of that site are placed here. Default none.</summary>
    public int? SiteId { get; init; }

    /// <summary>This incarnation's generation. Default: derived from the clock (<see cref="SiloAddress.NewGeneration"/>).</summary>
    public long? Generation { get; init; }

    /// <summary>The client id this silo presents to other silos. Default "silo".</summary>
    public string SiloName { get; init; } = "silo";

    /// <summary>Failure detection thresholds (defaults: a dead silo is declared within about 1 s on loopback).</summary>
    public MembershipOptions Membership { get; init; } = new();

    /// <summary>Consistent-hash ring settings.</summary>
    public PlacementOptions Placement { get; init; } = new();

    /// <summary>
    /// Which links to other silos carry calls (a test's simulated partitions). Default none: every link is up, and the
    /// endpoint and connection pool pay nothing for the check.
    /// </summary>
    public ILinkFilter? LinkFilter { get; init; }

    /// <summary>Listen and call other silos through this in-process network instead of sockets (tests). Default null: TCP.</summary>
    public InMemoryNetwork? Network { get; init; }

    /// <summary>Frame cap, queue bounds and timeouts for the endpoint and for connections to other silos.</summary>
    public TransportOptions Limits { get; init; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> (or <see cref="ArgumentOutOfRangeException"/>) naming the first bad option.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(EndPoint, nameof(EndPoint));
        ArgumentNullException.ThrowIfNull(Seeds, nameof(Seeds));
        ArgumentNullException.ThrowIfNull(Membership, nameof(Membership));
        ArgumentNullException.ThrowIfNull(Placement, nameof(Placement));
        if (SiteId is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(SiteId), SiteId, "a site id is a positive integer");
        }

        if (Generation is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Generation), Generation, "a generation is at least 1");
        }

        Membership.Validate();
        Placement.Validate();
        ServerOptionsAt(EndPoint).Validate();
        ClientOptions.Validate();
    }

    internal TransportServerOptions ServerOptionsAt(IPEndPoint endPoint) => new()
    {
        EndPoint = endPoint,
        ServerName = SiteId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
        ClusterSecret = ClusterSecret,
        Credentials = Credentials,
        Certificate = Certificate,
        Network = Network,
        Limits = Limits,
    };

    // Silos call each other with every role: the cluster secret proves they are silos, and Admin lets them carry
    // call chains and take part in membership.
    internal TransportClientOptions ClientOptions => new()
    {
        ClusterSecret = ClusterSecret,
        ClientId = SiloName,
        Roles = ClientRoles.All,
        PinnedServerCertificate = Certificate,
        Network = Network,
        Limits = Limits,
    };
}
