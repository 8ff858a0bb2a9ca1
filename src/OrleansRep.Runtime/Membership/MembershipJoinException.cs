namespace OrleansRep.Runtime.Membership;

/// <summary>No seed admitted this silo (none answered, and this silo is not itself a seed that may start a cluster).</summary>
public sealed class MembershipJoinException : Exception
{
    /// <summary>Creates the exception with a reason.</summary>
    public MembershipJoinException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a reason and a cause.</summary>
    public MembershipJoinException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic reason.</summary>
    public MembershipJoinException()
    {
    }
}
