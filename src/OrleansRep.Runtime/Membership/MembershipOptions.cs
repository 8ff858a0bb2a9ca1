namespace OrleansRep.Runtime.Membership;

/// <summary>
/// Failure-detection thresholds. The defaults aim to declare a dead silo within 1 s on loopback: a crashed silo
/// refuses connections, so each probe period counts a miss and the third miss (~300 ms) casts a vote; the votes of
/// two probers meet through gossip within a round trip. A hung silo (connections accepted, no answers) costs a probe
/// timeout per miss: 3 × 200 ms plus gossip, still under 1 s. On a loaded network raise all of them together.
/// </summary>
public sealed class MembershipOptions
{
    /// <summary>How often each silo probes the peers it watches. Default 100 ms.</summary>
    public TimeSpan ProbePeriod { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a probe (connecting included) may take before it counts as missed. Default 200 ms.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Consecutive missed probes after which the prober votes the peer dead. Default 3: one lost probe is not a failure.</summary>
    public int MissedProbesLimit { get; init; } = 3;

    /// <summary>
    /// How many peers each silo probes: its successors on the ring of active silos. Default 3, so every silo has
    /// enough probers to collect <see cref="NumVotesForDeathDeclaration"/> votes.
    /// </summary>
    public int NumProbedSilos { get; init; } = 3;

    /// <summary>
    /// Votes needed to declare a silo dead. Default 2, so one silo with a bad link cannot kill another. As in Orleans
    /// the requirement is capped at half the active silos (rounded up): with two silos the single prober's vote suffices,
    /// after it has missed <see cref="MissedProbesLimit"/> probes in a row.
    /// </summary>
    public int NumVotesForDeathDeclaration { get; init; } = 2;

    /// <summary>A vote older than this no longer counts (a silo that recovered is not killed by old suspicions). Default 5 s.</summary>
    public TimeSpan DeathVoteExpiration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a silo exchanges its whole view with one random peer, besides pushing every change at once. Default 1 s.</summary>
    public TimeSpan GossipPeriod { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Time allowed for a join or a gossip exchange with one peer. Default 5 s.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Most silos a view may hold (bounds decoding, votes and peer connections). Default 1024.</summary>
    public int MaxSilos { get; init; } = 1024;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ProbePeriod, TimeSpan.Zero, nameof(ProbePeriod));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ProbeTimeout, TimeSpan.Zero, nameof(ProbeTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MissedProbesLimit, 1, nameof(MissedProbesLimit));
        ArgumentOutOfRangeException.ThrowIfLessThan(NumProbedSilos, 1, nameof(NumProbedSilos));
        ArgumentOutOfRangeException.ThrowIfLessThan(NumVotesForDeathDeclaration, 1, nameof(NumVotesForDeathDeclaration));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DeathVoteExpiration, TimeSpan.Zero, nameof(DeathVoteExpiration));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(GossipPeriod, TimeSpan.Zero, nameof(GossipPeriod));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CallTimeout, TimeSpan.Zero, nameof(CallTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSilos, 2, nameof(MaxSilos));
    }
}
