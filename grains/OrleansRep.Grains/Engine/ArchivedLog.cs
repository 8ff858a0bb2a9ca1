namespace OrleansRep.Grains.Engine;

/// <summary>What one run of log archiving did (<see cref="EngineReplicaStore.ArchiveLog(OrleansRep.Storage.Lsn)"/>): the
/// files it removed, and the files recovery no longer needed but it kept because a lagging client still needs them.</summary>
public sealed record ArchivedLog(IReadOnlyList<string> Removed, IReadOnlyList<string> KeptForClients);
