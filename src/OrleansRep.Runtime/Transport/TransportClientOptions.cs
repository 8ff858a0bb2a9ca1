using System.Security.Cryptography.X509Certificates;

namespace OrleansRep.Runtime.Transport;

/// <summary>How a <see cref="TransportClient"/> connects and who it claims to be.</summary>
public sealed class TransportClientOptions
{
    /// <summary>
    /// The secret this client proves: its own when the server holds a <see cref="ClientCredential"/> for
    /// <see cref="ClientId"/>, else the cluster secret. Required (at least 16 bytes).
    /// </summary>
    public byte[] ClusterSecret { get; init; } = [];

    /// <summary>The id the server's handler sees for this client (1..256 UTF-8 bytes). Default "client".</summary>
    public string ClientId { get; init; } = "client";

    /// <summary>The roles this client claims; the handshake MAC binds them to the secret. Default <see cref="ClientRoles.Read"/>.</summary>
    public ClientRoles Roles { get; init; } = ClientRoles.Read;

    /// <summary>
    /// When set, the client speaks TLS and accepts only a server presenting exactly this certificate (pinned by its
    /// SHA-256 hash; chain and name are not consulted, so a self-signed cluster certificate works). Default none: plain TCP.
    /// </summary>
    public X509Certificate2? PinnedServerCertificate { get; init; }

    /// <summary>The TLS server name (SNI) to send. Default "localhost".</summary>
    public string TargetHost { get; init; } = "localhost";

    /// <summary>Connect through this in-process network instead of a socket (no TLS there). Default null: TCP.</summary>
    public InMemoryNetwork? Network { get; init; }

    /// <summary>Frame size cap, queue bounds and timeouts.</summary>
    public TransportOptions Limits { get; init; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> for options the client cannot connect with.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Limits, nameof(Limits));
        Limits.Validate();
        if (ClusterSecret is null || ClusterSecret.Length < HandshakeProtocol.MinSecretLength)
        {
            throw new ArgumentException(
                $"the cluster secret must be at least {HandshakeProtocol.MinSecretLength} bytes", nameof(ClusterSecret));
        }

        if (string.IsNullOrEmpty(ClientId) || System.Text.Encoding.UTF8.GetByteCount(ClientId) > HandshakeProtocol.MaxClientIdBytes)
        {
            throw new ArgumentException(
                $"the client id must be 1..{HandshakeProtocol.MaxClientIdBytes} UTF-8 bytes", nameof(ClientId));
        }

        if (PinnedServerCertificate is not null && Network is not null)
        {
            throw new ArgumentException("an in-memory network carries no TLS: pin a certificate or set a network, not both", nameof(Network));
        }

        if ((Roles & ~ClientRoles.All) != 0)
        {
            throw new ArgumentException($"unknown roles {Roles}", nameof(Roles));
        }
    }
}
