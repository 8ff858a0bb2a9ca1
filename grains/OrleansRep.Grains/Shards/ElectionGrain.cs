using OrleansRep.Grains.Interfaces;
using OrleansRep.Runtime.Core;

namespace OrleansRep.Grains.Shards;

/// <summary>
/// The site's participant in a shard's elections ("election/{s}@{site}"), as operators and tools see it. The votes
/// themselves are cast by the shard replica's state machine, which persists egen (and the vote) before sending it, in
/// the replica's bookkeeping: an election is then safe whatever happens to this grain (no state here, nothing to
/// lose, and a second activation could not vote twice). This grain forwards <c>orep elect</c> and reads the state.
/// </summary>
[Reentrant]
internal sealed class ElectionGrain : Grain, IElectionGrain
{
    private ILogShardGrain Replica
    {
        get
        {
            var (shard, site) = GrainKeys.ParseShardKey(GrainId.Key);
            return GrainFactory.GetGrain<ILogShardGrain>(GrainKeys.Shard(shard, site));
        }
    }

    public Task Elect() => Replica.CallElection();

    public async Task<ElectionStatus> GetStatus()
    {
        var s = await Replica.GetStatus();
        return new ElectionStatus(s.Shard, s.Site, s.Gen, s.Egen, s.Master, s.Role == Replication.RepRole.Master);
    }
}
