namespace OrleansRep.Storage.Backup;

/// <summary>One file of a backup: its path relative to the backup directory ('/'-separated), length and CRC32C.</summary>
public sealed record BackupFile(string Path, long Length, uint Crc32C);
