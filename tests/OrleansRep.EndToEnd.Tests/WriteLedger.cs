using System.Collections.Concurrent;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;

namespace OrleansRep.EndToEnd.Tests;

/// <summary>
/// What continuous writers were told, thread-safe: the acknowledged writes (which must all survive), the "maybe"
/// writes (<see cref="DurabilityNotMetException"/>: committed on the master, acks missing, so they may be rolled back),
/// the refusals by typed error (not acknowledged, so not counted), and anything else (a bug: the test fails on it).
/// </summary>
internal sealed class WriteLedger
{
    private readonly ConcurrentQueue<AcknowledgedWrite> _acknowledged = new();
    private readonly ConcurrentQueue<AcknowledgedWrite> _maybe = new();
    private readonly ConcurrentDictionary<string, int> _refused = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _unexpected = new();

    public IReadOnlyCollection<AcknowledgedWrite> Acknowledged => _acknowledged;

    public IReadOnlyCollection<AcknowledgedWrite> Maybe => _maybe;

    /// <summary>Refusals by error type name.</summary>
    public IReadOnlyDictionary<string, int> Refused => _refused;

    /// <summary>Errors no caller should see (not the client's typed errors), with the key they happened on.</summary>
    public IReadOnlyCollection<string> Unexpected => _unexpected;

    public void Acknowledge(AcknowledgedWrite write) => _acknowledged.Enqueue(write);

    public void MaybeCommitted(AcknowledgedWrite write) => _maybe.Enqueue(write);

    public void Refuse(Exception error) => _refused.AddOrUpdate(error.GetType().Name, 1, (_, n) => n + 1);

    public void Unexplained(string key, Exception error) => _unexpected.Enqueue($"{key}: {error.GetType().FullName}: {error.Message}");

    /// <summary>The first write of <paramref name="shard"/> answered after <paramref name="since"/> whose commit was
    /// made by a master other than <paramref name="notBy"/> (null: none yet).</summary>
    public AcknowledgedWrite? FirstAnsweredAfter(int shard, long since, int notBy) =>
        _acknowledged.Where(w => w.Shard == shard && w.AnsweredAt > since && w.Token.Master.Value != notBy).MinBy(w => w.AnsweredAt);

    /// <summary>The acknowledged write of <paramref name="shard"/> with the highest commit (null: none yet).</summary>
    public AcknowledgedWrite? Latest(int shard) =>
        _acknowledged.Where(w => w.Shard == shard).MaxBy(w => (w.Token.Gen, w.Token.Lsn));

    /// <summary>How many writes of <paramref name="shard"/> were acknowledged after <paramref name="since"/>.</summary>
    public int CountAfter(int shard, long since) => _acknowledged.Count(w => w.Shard == shard && w.AnsweredAt > since);
}
