using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Hosting;

/// <summary>
/// Which of a silo's links to other silos carry calls: the seam through which a test simulates a network partition
/// above the transport (the <c>TestCluster</c>'s partitions). A link that is down loses every call sent over it, as an
/// iptables DROP would: the caller hears nothing and fails on its timeout, or at once as unreachable when this silo
/// is the sender and knows the link is down. It never answers with an error, so no one mistakes a partition for a
/// protocol fault. Consulted on every call, so implementations must be cheap and thread-safe.
/// <para>A link is directed: calls from A to B may be lost while B's calls to A (and their replies) still arrive.
/// The unit is the call, not the packet: a one-way partition shows asymmetric failures, which is what failure
/// detection and replication need to be tested against (over TCP a packet-level one-way DROP breaks both ways).</para>
/// </summary>
public interface ILinkFilter
{
    /// <summary>
    /// False if calls this silo makes to <paramref name="silo"/> are lost. Checked by the silo's connection pool for
    /// grain calls, which then fail as unreachable.
    /// </summary>
    bool CanSendTo(SiloAddress silo);

    /// <summary>
    /// False if calls from <paramref name="caller"/> (a silo, known by the client id it authenticated with) are lost
    /// before this silo sees them. Checked by the endpoint for every request, membership included.
    /// </summary>
    bool CanReceiveFrom(CallerIdentity caller);
}
