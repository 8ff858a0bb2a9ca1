using OrleansRep.Runtime.Transport;

namespace OrleansRep.Silo;

/// <summary>
/// An application client the gateway knows by name (<c>Clients:{name}</c> in appsettings.json, or
/// <c>OREP_CLIENTS__{name}__ROLES</c>): it proves its own secret, not the cluster's, and may claim at most its roles.
/// </summary>
public sealed class SiteClient
{
    /// <summary>The most the client may claim ("Read", "Read, Write"). Default Read.</summary>
    public ClientRoles Roles { get; set; } = ClientRoles.Read;

    /// <summary>File holding the client's secret (its text, trimmed, as UTF-8; at least 16 bytes). Required.</summary>
    public string SecretFile { get; set; } = "";
}
