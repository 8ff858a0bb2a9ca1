using OrleansRep.Runtime.Hosting;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Testing;

/// <summary>
/// One test-cluster silo's view of the <see cref="PartitionTable"/>: it names its peers by slot, through the cluster's
/// lookups (a caller by the silo name it authenticated with, a target by its endpoint, both stable across restarts).
/// Anything that is not a silo of the cluster, such as the cluster client, is never cut off.
/// </summary>
internal sealed class SlotLinkFilter(int slot, PartitionTable partitions, Func<string, int?> slotOfName, Func<SiloAddress, int?> slotOfAddress) : ILinkFilter
{
    public bool CanSendTo(SiloAddress silo) =>
        partitions.IsEmpty || slotOfAddress(silo) is not int to || !partitions.IsCut(slot, to);

    public bool CanReceiveFrom(CallerIdentity caller) =>
        partitions.IsEmpty || slotOfName(caller.ClientId) is not int from || !partitions.IsCut(from, slot);
}
