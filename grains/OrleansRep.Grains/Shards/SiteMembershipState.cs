using OrleansRep.Grains.Interfaces;

namespace OrleansRep.Grains.Shards;

/// <summary>The site grain's persistent state: the group's members as this site last recorded them.</summary>
public sealed class SiteMembershipState
{
    public List<SiteMember> Members { get; init; } = [];
}
