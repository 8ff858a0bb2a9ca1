namespace OrleansRep.Replication;

/// <summary>
/// The arithmetic of the ack policies (reference section 3; Berkeley DB 5.3 repmgr's <c>__repmgr_send</c> and
/// <c>got_acks</c>), kept apart from the bookkeeping so every case can be checked on its own.
/// <para>
/// <see cref="Require"/> decides, when a PERM record is sent, how many acks to wait for and whether waiting is
/// needed or futile; <see cref="IsDurable"/> and <see cref="IsDone"/> judge a <see cref="AckTally"/> of the acks
/// received so far. The two differ only for <see cref="AckPolicy.AllAvailable"/>, which keeps waiting for every site
/// it sent to but calls the record durable once the quorum rule holds.
/// </para>
/// </summary>
internal static class AckPolicyMath
{
    /// <summary>
    /// The acks a PERM record must collect that is sent to <paramref name="sitesSent"/> sites of which
    /// <paramref name="peersSent"/> are electable, in a group of <paramref name="nclients"/> sites besides the master.
    /// <paramref name="missedPeer"/>: some electable site could not be sent to.
    /// </summary>
    public static AckRequirement Require(AckPolicy policy, int nclients, int sitesSent, int peersSent, bool missedPeer, bool twoSiteStrict)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nclients);
        ArgumentOutOfRangeException.ThrowIfNegative(sitesSent);
        ArgumentOutOfRangeException.ThrowIfNegative(peersSent);
        int needed, available, quorum = 0;
        switch (policy)
        {
            case AckPolicy.None:
                return new AckRequirement(policy, 0, 0, AckWait.AtOnce);
            case AckPolicy.One:
                needed = 1;
                available = sitesSent;
                break;
            case AckPolicy.All:
                needed = nclients;
                available = sitesSent;
                break;
            case AckPolicy.OnePeer:
                needed = 1;
                available = peersSent;
                break;
            case AckPolicy.AllPeers:
                // Berkeley DB does not count its peers up front; it only refuses to wait when no peer was sent to.
                needed = 1;
                available = peersSent;
                break;
            case AckPolicy.Quorum:
                quorum = Quorum(nclients, twoSiteStrict);
                needed = quorum;
                available = peersSent;

                // Sent to every peer there is: however few, no later election can miss the record.
                if (peersSent < quorum && !missedPeer)
                {
                    needed = peersSent;
                }

                break;
            case AckPolicy.AllAvailable:
                quorum = Quorum(nclients, twoSiteStrict);
                if (sitesSent == 0)
                {
                    return new AckRequirement(policy, 0, quorum, quorum > 0 ? AckWait.FailAtOnce : AckWait.AtOnce);
                }

                // Wait for every site sent to; durability is judged by the quorum rule (IsDurable).
                return new AckRequirement(policy, sitesSent, quorum, AckWait.Wait);
            default:
                throw new ArgumentOutOfRangeException(nameof(policy), policy, "unknown ack policy");
        }

        if (needed == 0)
        {
            return new AckRequirement(policy, 0, quorum, AckWait.AtOnce);
        }

        return new AckRequirement(policy, needed, quorum, available < needed ? AckWait.FailAtOnce : AckWait.Wait);
    }

    /// <summary>Electable acks that make a record safe from any election: <c>nclients / 2</c>, except that a lone
    /// client (two sites, not strict) must ack itself, since it would elect itself alone.</summary>
    public static int Quorum(int nclients, bool twoSiteStrict) => nclients > 1 || twoSiteStrict ? nclients / 2 : nclients;

    /// <summary>Whether the acks so far make the record durable under the policy.</summary>
    public static bool IsDurable(AckRequirement requirement, AckTally tally) => requirement.Wait switch
    {
        AckWait.AtOnce => true,
        AckWait.FailAtOnce => false,
        _ => requirement.Policy switch
        {
            AckPolicy.All or AckPolicy.One => tally.SitesAcked >= requirement.Threshold,
            AckPolicy.OnePeer => tally.PeersAcked >= requirement.Threshold,
            AckPolicy.Quorum or AckPolicy.AllAvailable => tally.PeersAcked >= requirement.Quorum || !tally.HasUnackedPeer,
            AckPolicy.AllPeers => !tally.HasUnackedPeer,
            _ => false,
        },
    };

    /// <summary>Whether the master can stop waiting for more acks (the same as durable except for ALL_AVAILABLE,
    /// which waits until every site it sent to has acked).</summary>
    public static bool IsDone(AckRequirement requirement, AckTally tally) =>
        requirement.Wait != AckWait.Wait
        || (requirement.Policy == AckPolicy.AllAvailable ? tally.SitesAcked >= requirement.Threshold : IsDurable(requirement, tally));

    /// <summary>The number a caller sees as "needed" in <see cref="AckPolicyNotMet"/>: the count that durability is
    /// judged by (quorum for QUORUM/ALL_AVAILABLE, every electable peer for ALL_PEERS, else the threshold).</summary>
    public static int NeededForReport(AckRequirement requirement, int electablePeers) => requirement.Policy switch
    {
        AckPolicy.AllPeers => electablePeers,
        AckPolicy.Quorum => requirement.Wait == AckWait.Wait ? requirement.Threshold : requirement.Quorum,
        AckPolicy.AllAvailable => requirement.Quorum,
        _ => requirement.Threshold,
    };

    /// <summary>The acks a caller sees in <see cref="AckPolicyNotMet"/>: electable acks for peer policies, all acks
    /// otherwise.</summary>
    public static int AcksForReport(AckPolicy policy, AckTally tally) =>
        policy is AckPolicy.All or AckPolicy.One ? tally.SitesAcked : tally.PeersAcked;
}

/// <summary>What a PERM record waits for: the policy, the threshold of acks that ends the wait, the quorum that
/// QUORUM and ALL_AVAILABLE judge durability by, and whether to wait at all.</summary>
internal readonly record struct AckRequirement(AckPolicy Policy, int Threshold, int Quorum, AckWait Wait);

/// <summary>Whether a PERM record is durable at once (nothing needed), can never be (fewer sites reachable than
/// needed: fail without waiting), or must wait for acks.</summary>
internal enum AckWait
{
    Wait,
    AtOnce,
    FailAtOnce,
}

/// <summary>The acks for one LSN: sites (and electable sites) that acked it, and whether an electable member has not.</summary>
internal readonly record struct AckTally(int SitesAcked, int PeersAcked, bool HasUnackedPeer);
