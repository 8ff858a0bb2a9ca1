namespace OrleansRep.Storage.Backup;

/// <summary>
/// A backup directory is not a whole, sound backup: its manifest (written last) is missing, damaged or of an unknown
/// version, or a file it lists is missing or does not match its length and checksum. A restore refuses it and
/// changes nothing.
/// </summary>
public sealed class BackupManifestException(string message) : StorageException(message)
{
}
