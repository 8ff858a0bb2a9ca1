namespace OrleansRep.Storage.Backup;

/// <summary>One environment a restore brought back: where, what recovery replayed, and what it holds now.</summary>
public sealed record RestoredEnvironment(string Name, string Home, Lsn RedoFrom, Lsn LogEnd, int CommitsReplayed, IReadOnlyList<string> Databases, long Bytes);
