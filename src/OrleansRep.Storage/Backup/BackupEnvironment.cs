namespace OrleansRep.Storage.Backup;

/// <summary>
/// One environment in a backup, in the subdirectory <see cref="Name"/>: its data file as of the checkpoint whose redo
/// point is <see cref="RedoLsn"/>, and its log from there to <see cref="EndLsn"/> (a record boundary; recovery redoes
/// that range). Every transaction committed before the backup began is before <see cref="EndLsn"/>.
/// </summary>
public sealed record BackupEnvironment(string Name, Lsn RedoLsn, Lsn EndLsn, IReadOnlyList<BackupFile> Files);
