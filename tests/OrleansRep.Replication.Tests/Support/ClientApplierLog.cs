using OrleansRep.Storage;

namespace OrleansRep.Replication.Tests.Support;

/// <summary>Where the client applier tests' logs start: the start of log file 1.</summary>
internal static class ClientApplierLog
{
    public static readonly Lsn Start = LogPositions.StartOfFile(1);
}
