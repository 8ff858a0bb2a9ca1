namespace OrleansRep.Grains.Interfaces;

/// <summary>One shard as one site sees it: the master it follows (0: none known) and the generation of that master.
/// <see cref="MembershipVersion"/> is the version of the shard's group list on that site.</summary>
public sealed record ShardMastership(int Shard, int Master, uint Gen, long MembershipVersion)
{
    /// <summary>On the shard's master, its commits counter for the shard (0 elsewhere): the recovery master's takeover
    /// run reads write rates from it.</summary>
    public long Commits { get; init; }
}
