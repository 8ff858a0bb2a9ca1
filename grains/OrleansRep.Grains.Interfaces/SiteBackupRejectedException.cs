namespace OrleansRep.Grains.Interfaces;

/// <summary>A site refused to start a backup and wrote nothing: the directory is relative (it is a path on the site's
/// host), a file, or not empty; another backup of the site is running; or a shard replica is not open there.</summary>
public sealed class SiteBackupRejectedException : ShardException
{
    public SiteBackupRejectedException()
    {
    }

    public SiteBackupRejectedException(string message)
        : base(message)
    {
    }

    public SiteBackupRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
