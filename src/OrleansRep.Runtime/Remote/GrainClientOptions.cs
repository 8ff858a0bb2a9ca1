using System.Security.Cryptography.X509Certificates;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Remote;

/// <summary>How a <see cref="GrainClient"/> reaches a silo gateway and who it claims to be.</summary>
public sealed class GrainClientOptions
{
    /// <summary>The secret this client proves (at least 16 bytes): its own when the silo holds a
    /// <see cref="ClientCredential"/> for <see cref="ClientId"/>, else the cluster secret. Required.</summary>
    public byte[] ClusterSecret { get; init; } = [];

    /// <summary>The id the silo sees for this client. Default "client".</summary>
    public string ClientId { get; init; } = "client";

    /// <summary>The roles this client claims (bound to the secret by the handshake; at most its credential's). Default <see cref="ClientRoles.Read"/>.</summary>
    public ClientRoles Roles { get; init; } = ClientRoles.Read;

    /// <summary>The gateway's TLS certificate to pin; default none (plain TCP, loopback only).</summary>
    public X509Certificate2? PinnedServerCertificate { get; init; }

    /// <summary>Connect through this in-process network (where the silo listens) instead of a socket. Default null: TCP.</summary>
    public InMemoryNetwork? Network { get; init; }

    /// <summary>Frame cap, queue bounds, handshake timeout and the default call timeout
    /// (<see cref="TransportOptions.DefaultCallTimeout"/>, 30 s; <see cref="ResponseTimeoutAttribute"/> overrides it per method).</summary>
    public TransportOptions Limits { get; init; } = new();

    internal TransportClientOptions ToTransportOptions() => new()
    {
        ClusterSecret = ClusterSecret,
        ClientId = ClientId,
        Roles = Roles,
        PinnedServerCertificate = PinnedServerCertificate,
        Network = Network,
        Limits = Limits,
    };
}
