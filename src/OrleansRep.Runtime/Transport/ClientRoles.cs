namespace OrleansRep.Runtime.Transport;

/// <summary>What an authenticated caller may do; the handler checks them on every call. The value is a wire byte.</summary>
[Flags]
public enum ClientRoles : byte
{
    /// <summary>No rights: the caller may connect but every checked call is refused.</summary>
    None = 0,

    /// <summary>May read.</summary>
    Read = 1,

    /// <summary>May write.</summary>
    Write = 2,

    /// <summary>May administer the cluster.</summary>
    Admin = 4,

    /// <summary>Every role.</summary>
    All = Read | Write | Admin,
}
