namespace OrleansRep.Storage;

/// <summary>Another process (or another open environment in this one) holds the home directory.</summary>
public sealed class EnvironmentLockedException(string home)
    : StorageException($"environment {home} is already open by another process (lock file {home}/__orep.lock is held)")
{
    public string Home { get; } = home;
}
