using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;

namespace OrleansRep.Client;

/// <summary>How fresh a read must be, and so which replicas may serve it.</summary>
public sealed record ReadOptions
{
    private ReadOptions(ReadConsistency consistency, TimeSpan maxStaleness, CommitToken? token)
    {
        Consistency = consistency;
        MaxStaleness = maxStaleness;
        Token = token;
    }

    /// <summary>From the shard's master while it holds its lease: sees every acknowledged write. The default.</summary>
    public static ReadOptions Linearizable { get; } = new(ReadConsistency.Linearizable, TimeSpan.Zero, null);

    public ReadConsistency Consistency { get; }

    /// <summary>For <see cref="ReadConsistency.AnyReplica"/>: how long ago the replica may last have heard from its
    /// master (zero: any replica at all).</summary>
    public TimeSpan MaxStaleness { get; }

    /// <summary>For <see cref="ReadConsistency.AtLeast"/>: the commit the replica must have applied.</summary>
    public CommitToken? Token { get; }

    /// <summary>From any replica that heard from its master within <paramref name="maxStaleness"/> (zero: no bound).</summary>
    public static ReadOptions AnyReplica(TimeSpan maxStaleness = default) =>
        new(ReadConsistency.AnyReplica, maxStaleness >= TimeSpan.Zero ? maxStaleness : throw new ArgumentOutOfRangeException(nameof(maxStaleness)), null);

    /// <summary>From any replica that has applied <paramref name="token"/>'s commit: read-your-writes, off the master.</summary>
    public static ReadOptions AtLeast(CommitToken token) => new(ReadConsistency.AtLeast, TimeSpan.Zero, token);

    internal bool OnMaster => Consistency == ReadConsistency.Linearizable;

    internal long MaxStalenessMs => (long)MaxStaleness.TotalMilliseconds;

    internal byte[]? TokenBytes => Token is { } t ? CommitTokens.ToBytes(t) : null;
}
