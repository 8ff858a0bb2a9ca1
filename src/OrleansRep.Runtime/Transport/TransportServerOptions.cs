using System.Collections.Frozen;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace OrleansRep.Runtime.Transport;

/// <summary>Where and how a <see cref="TransportServer"/> listens.</summary>
public sealed class TransportServerOptions
{
    /// <summary>Address to bind. Default: loopback, port 0 (the system picks a free port; see <see cref="TransportServer.EndPoint"/>).</summary>
    public IPEndPoint EndPoint { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>The cluster secret clients prove they hold (at least 16 bytes). Required.</summary>
    public byte[] ClusterSecret { get; init; } = [];

    /// <summary>
    /// Clients known by name, each with its own secret and the most roles it may claim. Default none: every client
    /// proves the cluster secret.
    /// </summary>
    public IReadOnlyList<ClientCredential> Credentials { get; init; } = [];

    /// <summary>
    /// What the server tells each client it accepted (up to 256 UTF-8 bytes, in the handshake's accept frame), so a
    /// client learns which server it reached, e.g. a silo's site. Default empty.
    /// </summary>
    public string ServerName { get; init; } = "";

    /// <summary>The server's TLS certificate (with its private key). Default none: plain TCP, allowed on loopback only.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>Permit plain TCP on a non-loopback address (e.g. inside a trusted overlay network). Default false.</summary>
    public bool AllowInsecureNonLoopback { get; init; }

    /// <summary>Listen on this in-process network instead of a socket (no TLS there). Default null: TCP.</summary>
    public InMemoryNetwork? Network { get; init; }

    /// <summary>Frame size cap, queue bounds and timeouts.</summary>
    public TransportOptions Limits { get; init; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> for options the server cannot run with.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(EndPoint, nameof(EndPoint));
        ArgumentNullException.ThrowIfNull(Limits, nameof(Limits));
        Limits.Validate();
        if (ClusterSecret is null || ClusterSecret.Length < HandshakeProtocol.MinSecretLength)
        {
            throw new ArgumentException(
                $"the cluster secret must be at least {HandshakeProtocol.MinSecretLength} bytes", nameof(ClusterSecret));
        }

        ArgumentNullException.ThrowIfNull(Credentials, nameof(Credentials));
        if (ServerName is null || System.Text.Encoding.UTF8.GetByteCount(ServerName) > HandshakeProtocol.MaxClientIdBytes)
        {
            throw new ArgumentException($"the server name must be at most {HandshakeProtocol.MaxClientIdBytes} UTF-8 bytes", nameof(ServerName));
        }

        foreach (ClientCredential c in Credentials)
        {
            if (string.IsNullOrEmpty(c.ClientId) || System.Text.Encoding.UTF8.GetByteCount(c.ClientId) > HandshakeProtocol.MaxClientIdBytes
                || c.Secret is null || c.Secret.Length < HandshakeProtocol.MinSecretLength || (c.Roles & ~ClientRoles.All) != 0)
            {
                throw new ArgumentException(
                    $"credential '{c.ClientId}': the id must be 1..{HandshakeProtocol.MaxClientIdBytes} UTF-8 bytes, the secret at least {HandshakeProtocol.MinSecretLength} bytes, the roles known", nameof(Credentials));
            }
        }

        if (Credentials.Select(c => c.ClientId).Distinct(StringComparer.Ordinal).Count() != Credentials.Count)
        {
            throw new ArgumentException("two credentials have the same client id", nameof(Credentials));
        }

        if (Certificate is null && !IPAddress.IsLoopback(EndPoint.Address) && !AllowInsecureNonLoopback)
        {
            throw new ArgumentException(
                $"TLS is required to listen on the non-loopback address {EndPoint}: set a certificate (or AllowInsecureNonLoopback)",
                nameof(Certificate));
        }

        if (Certificate is not null && Network is not null)
        {
            throw new ArgumentException("an in-memory network carries no TLS: set a certificate or a network, not both", nameof(Network));
        }

        if (Certificate is not null && !Certificate.HasPrivateKey)
        {
            throw new ArgumentException("the server certificate has no private key", nameof(Certificate));
        }
    }

    private FrozenDictionary<string, ClientCredential>? _credentialsById;

    /// <summary>The credential for <paramref name="clientId"/>, or null when the client must prove the cluster secret.</summary>
    internal ClientCredential? FindCredential(string clientId) =>
        (_credentialsById ??= Credentials.ToFrozenDictionary(c => c.ClientId, StringComparer.Ordinal)).GetValueOrDefault(clientId);
}
