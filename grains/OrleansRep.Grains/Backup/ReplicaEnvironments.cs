using System.Collections.Concurrent;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Backup;

/// <summary>
/// The open engine environment of each shard replica in this silo, for a site backup: each <c>LogShardGrain</c>
/// registers how to find its store's environment when it opens it (a function, since internal init replaces the
/// environment; it gives null once the replica is closed).
/// </summary>
public sealed class ReplicaEnvironments
{
    private readonly ConcurrentDictionary<int, Func<StorageEnvironment?>> _byShard = new();

    public void Register(int shard, Func<StorageEnvironment?> environment) => _byShard[shard] = environment;

    /// <summary>Shard <paramref name="shard"/>'s environment now, or null if its replica is not open here.</summary>
    public StorageEnvironment? Get(int shard) => _byShard.TryGetValue(shard, out var get) ? get() : null;
}
