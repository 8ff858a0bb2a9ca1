namespace OrleansRep.Storage.Backup;

/// <summary>An open environment to back up, and the name (subdirectory) it gets in the backup.</summary>
public sealed record BackupSource(string Name, StorageEnvironment Environment);
