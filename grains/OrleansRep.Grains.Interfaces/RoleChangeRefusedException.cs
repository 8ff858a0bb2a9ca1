namespace OrleansRep.Grains.Interfaces;

/// <summary>A promotion or handover was refused or could not finish: the target cannot be master (priority 0, not a
/// member, in internal init), it did not catch up in time, or a lease grant still binds it. The message says what
/// changed: nothing when refused up front; after a handover's timeout the master takes writes again.</summary>
public sealed class RoleChangeRefusedException : ShardException
{
    public RoleChangeRefusedException()
    {
    }

    public RoleChangeRefusedException(string message)
        : base(message)
    {
    }

    public RoleChangeRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
