namespace OrleansRep.Grains.Interfaces;

/// <summary>One shard as one site sees it: the master it follows (0: none known) and the generation of that master.
/// <see cref="MembershipVersion"/> is the version of the shard's group list on that site.</summary>
public sealed record ShardMastership(int Shard, int Master, uint Gen, long MembershipVersion);
