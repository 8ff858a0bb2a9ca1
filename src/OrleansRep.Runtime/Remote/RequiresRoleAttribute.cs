using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Remote;

/// <summary>
/// The roles a remote caller needs to call this grain interface method, on top of <see cref="ClientRoles.Read"/>
/// which every remote call needs. An unmarked method needs only <see cref="ClientRoles.Read"/>. Put it on an
/// interface to set the default for all its methods; a method's own attribute replaces the interface's.
/// Calls inside one silo are not checked (they come from grain code the silo already trusts).
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Interface, Inherited = false)]
public sealed class RequiresRoleAttribute : Attribute
{
    public RequiresRoleAttribute(ClientRoles roles) => Roles = roles;

    public ClientRoles Roles { get; }
}
