namespace OrleansRep.Grains.Interfaces;

/// <summary>A site's view of one shard's elections: the generation of the current master, the election generation
/// being (or next to be) voted on, the master if known (0: none, an election is due or under way).</summary>
public sealed record ElectionStatus(int Shard, int Site, uint Gen, uint Egen, int Master, bool IsMaster);
