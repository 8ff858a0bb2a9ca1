namespace OrleansRep.Runtime.Membership;

/// <summary>A membership payload that does not decode: wrong version, unknown kind, bad field or wrong length.</summary>
public sealed class MembershipMessageFormatException : Exception
{
    /// <summary>Creates the exception with a reason.</summary>
    public MembershipMessageFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a reason and a cause.</summary>
    public MembershipMessageFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic reason.</summary>
    public MembershipMessageFormatException()
    {
    }
}
