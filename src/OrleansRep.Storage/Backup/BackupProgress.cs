namespace OrleansRep.Storage.Backup;

/// <summary>
/// How far a backup (or a restore) is: bytes copied so far and the total expected. The total is an estimate made
/// before each environment is copied (its data file as of its checkpoint plus its log to the end at that moment) and
/// corrected once the environment is done, since writes go on and the log grows meanwhile; it never falls below the
/// bytes copied. <see cref="Environment"/> is the one being copied.
/// </summary>
public sealed record BackupProgress(string Environment, long BytesCopied, long TotalBytes);
