namespace OrleansRep.Grains.Interfaces;

/// <summary>A read or write was refused at once because the replica is locked out or syncing with its master (a role
/// change, the truncation after verify, internal init, or a sync held for <c>orep sync</c>), and the site runs with
/// NOWAIT (<c>--nowait</c>, Berkeley DB's DB_REP_CONF_NOWAIT / DB_REP_LOCKOUT): without it the operation would have
/// waited. Nothing changed; retry later or elsewhere.</summary>
public sealed class ShardLockedOutException : ShardException
{
    public ShardLockedOutException()
    {
    }

    public ShardLockedOutException(string message)
        : base(message)
    {
    }

    public ShardLockedOutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
