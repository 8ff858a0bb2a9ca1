namespace OrleansRep.Grains.Interfaces;

/// <summary>Where a site's backup is.</summary>
public enum SiteBackupState
{
    Running,
    Done,
    Failed,
}

/// <summary>
/// A site's latest backup (<see cref="ISiteGrain.Backup"/>), as <see cref="ISiteGrain.BackupStatus"/> reports it: the
/// directory on the site's host, bytes copied of the total expected (the total is an estimate while the log grows
/// under the copy, exact once done), the environment being copied, those it holds (<c>site</c>, <c>shard-0</c>, ...),
/// and when it failed, why (<see cref="ErrorType"/> is the engine's error type name, e.g. <c>BackupInterruptedException</c>).
/// </summary>
public sealed record SiteBackupStatus(
    int Site,
    string Directory,
    SiteBackupState State,
    long BytesCopied,
    long TotalBytes,
    string Environment,
    IReadOnlyList<string> Environments,
    string? Error,
    string? ErrorType,
    DateTimeOffset Started,
    DateTimeOffset? Finished);
