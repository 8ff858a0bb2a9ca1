namespace OrleansRep.Runtime.Transport;

/// <summary>Who is on the other end of a connection, as proven by its handshake.</summary>
/// <param name="ClientId">The id the client authenticated with.</param>
/// <param name="Roles">The roles it authenticated with.</param>
/// <param name="ConnectionId">The server's id for the connection (for logs).</param>
public sealed record CallerIdentity(string ClientId, ClientRoles Roles, string ConnectionId)
{
    /// <summary>True if the caller holds every role in <paramref name="required"/>.</summary>
    public bool HasRoles(ClientRoles required) => (Roles & required) == required;
}
