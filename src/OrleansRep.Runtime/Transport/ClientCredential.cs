namespace OrleansRep.Runtime.Transport;

/// <summary>
/// A client the server knows by name: it proves <see cref="Secret"/> instead of the cluster secret and may claim at
/// most <see cref="Roles"/>. Clients without a credential prove the cluster secret, which only silos and operator tools
/// hold, and may claim any role. Application clients get a credential each, so one leaked secret is one client's
/// rights, and revoking it (removing the credential) leaves the others alone.
/// </summary>
/// <param name="ClientId">The id the client presents (1..256 UTF-8 bytes).</param>
/// <param name="Secret">The client's own secret (at least 16 bytes).</param>
/// <param name="Roles">The most the client may claim.</param>
public sealed record ClientCredential(string ClientId, byte[] Secret, ClientRoles Roles);
