using OrleansRep.Replication;

namespace OrleansRep.Cli.Cluster;

/// <summary>Event kinds by their Berkeley DB names (DB_EVENT_REP_NEWMASTER → NEWMASTER, PERM_FAILED, ...).</summary>
internal static class EventNames
{
    public static string Of(RepEventKind kind) => kind switch
    {
        RepEventKind.NewMaster => "NEWMASTER",
        RepEventKind.StartupDone => "STARTUPDONE",
        RepEventKind.DupMaster => "DUPMASTER",
        _ => string.Concat(kind.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : char.ToUpperInvariant(c).ToString())),
    };
}
