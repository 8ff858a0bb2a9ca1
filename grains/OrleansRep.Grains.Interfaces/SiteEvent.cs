using OrleansRep.Replication;

namespace OrleansRep.Grains.Interfaces;

/// <summary>An event of one shard replica (NEWMASTER, ELECTED, PERM_FAILED, STARTUPDONE, ...), as the feed carries it.
/// <see cref="Lsn"/> as <c>Lsn.ToUInt64()</c>; <see cref="About"/> is the site the event names (0: none).</summary>
public sealed record SiteEvent(DateTimeOffset Time, int Site, int Shard, RepEventKind Kind, uint Gen, int About, ulong Lsn)
{
    /// <summary>What the event says beyond its fields, for people (ROLLED_BACK: the transactions undone); null: nothing.</summary>
    public string? Detail { get; init; }
}
