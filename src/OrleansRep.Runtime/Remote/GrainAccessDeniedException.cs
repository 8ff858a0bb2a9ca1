using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Remote;

/// <summary>The caller's credentials lack a role the grain method requires (see <see cref="RequiresRoleAttribute"/>).
/// The call was refused before reaching the grain: nothing was activated or changed.</summary>
public sealed class GrainAccessDeniedException : Exception
{
    public GrainAccessDeniedException()
    {
    }

    public GrainAccessDeniedException(string message)
        : base(message)
    {
    }

    public GrainAccessDeniedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal GrainAccessDeniedException(string clientId, ClientRoles held, ClientRoles required, string method)
        : base($"client '{clientId}' with roles [{held}] may not call {method}: it requires [{required}]")
    {
    }
}
