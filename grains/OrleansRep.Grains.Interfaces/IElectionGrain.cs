using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Grains.Interfaces;

/// <summary>
/// The site's participant in one shard's elections ("election/{shard}@{site}"): where <c>orep elect</c> lands and where
/// election status is read. Votes and the election generation (egen) live in the shard replica's state machine, whose
/// state is persisted (egen before voting) by the replica: this grain holds no state of its own, so two activations
/// can never vote twice.
/// </summary>
public interface IElectionGrain : IGrainWithStringKey
{
    /// <summary>Starts an election for the shard from this site.</summary>
    [RequiresRole(ClientRoles.Admin)]
    Task Elect();

    /// <summary>The shard's election state as this site sees it.</summary>
    [RequiresRole(ClientRoles.Read)]
    Task<ElectionStatus> GetStatus();
}
