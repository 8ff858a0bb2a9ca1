namespace OrleansRep.Grains.Interfaces;

/// <summary>A member of the replication groups (every shard's group has the same sites).</summary>
public sealed record SiteMember(int Site, string Address, int Priority);
