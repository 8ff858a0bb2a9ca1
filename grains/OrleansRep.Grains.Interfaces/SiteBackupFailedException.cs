namespace OrleansRep.Grains.Interfaces;

/// <summary>A site's backup started but did not finish (the site removed what it had written): the reason is in the
/// message (an environment closed or re-initialised under the copy, a log rollback, a disk error). Retrying is safe.</summary>
public sealed class SiteBackupFailedException : ShardException
{
    public SiteBackupFailedException()
    {
    }

    public SiteBackupFailedException(string message)
        : base(message)
    {
    }

    public SiteBackupFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
