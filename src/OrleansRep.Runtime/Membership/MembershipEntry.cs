using System.Collections.Immutable;

namespace OrleansRep.Runtime.Membership;

/// <summary>One row of the membership view: a silo incarnation, its status and the votes that it is dead.</summary>
public sealed class MembershipEntry
{
    /// <summary>Creates an entry; votes are kept one per suspecter, sorted by suspecter.</summary>
    public MembershipEntry(SiloAddress silo, SiloStatus status, IEnumerable<SuspicionVote>? votes = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        if (!Enum.IsDefined(status))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "unknown silo status");
        }

        Silo = silo;
        Status = status;
        Votes = (votes ?? [])
            .GroupBy(v => v.Suspecter)
            .Select(g => g.MaxBy(v => v.CastAt))
            .OrderBy(v => v.Suspecter, SiloAddress.Comparer)
            .ToImmutableArray();
    }

    /// <summary>The silo incarnation.</summary>
    public SiloAddress Silo { get; }

    /// <summary>Its status.</summary>
    public SiloStatus Status { get; }

    /// <summary>Votes that it is dead, at most one per suspecter (the latest).</summary>
    public ImmutableArray<SuspicionVote> Votes { get; }

    /// <summary>
    /// The merge of two entries for the same endpoint: the newer generation wins outright; for the same generation the
    /// more advanced status wins and the votes are united (the latest per suspecter). Commutative, associative and
    /// idempotent, so silos that exchange entries in any order end up with the same one.
    /// </summary>
    public static MembershipEntry Merge(MembershipEntry a, MembershipEntry b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!a.Silo.SameEndpoint(b.Silo))
        {
            throw new ArgumentException($"cannot merge entries of different endpoints ({a.Silo}, {b.Silo})", nameof(b));
        }

        if (a.Silo.Generation != b.Silo.Generation)
        {
            return a.Silo.Generation > b.Silo.Generation ? a : b;
        }

        return new MembershipEntry(a.Silo, (SiloStatus)Math.Max((byte)a.Status, (byte)b.Status), a.Votes.Concat(b.Votes));
    }

    /// <summary>True if both entries say the same thing (silo, status and votes).</summary>
    public bool ContentEquals(MembershipEntry other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Silo == other.Silo && Status == other.Status && Votes.SequenceEqual(other.Votes);
    }

    /// <inheritdoc/>
    public override string ToString() => Votes.IsEmpty ? $"{Silo} {Status}" : $"{Silo} {Status} ({Votes.Length} votes)";
}
