using OrleansRep.Replication.Inputs;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;

namespace OrleansRep.Client.Tests.Fakes;

/// <summary>A shard replica (and its election participant) of the <see cref="FakeCluster"/>; errors come back as
/// faulted tasks, as from a remote call.</summary>
internal sealed class FakeShardGrain(FakeCluster cluster, int shard, int site, bool election) : ILogShardGrain, IElectionGrain
{
    public Task<byte[]> Put(byte[] key, byte[] value, AckPolicy durability) => Run(() => cluster.Write(shard, site, [new BatchOperation(key, value)], durability));

    public Task<byte[]> Delete(byte[] key, AckPolicy durability) => Run(() => cluster.Write(shard, site, [new BatchOperation(key, null)], durability));

    public Task<byte[]> Batch(byte[] operations, AckPolicy durability) => Run(() => cluster.Write(shard, site, KeyValueCodec.DecodeBatch(operations), durability));

    public Task<byte[]?> Read(byte[] key, ReadConsistency consistency, long maxStalenessMs, byte[]? token) =>
        Run(() => cluster.ReplicaForRead(shard, site, consistency, maxStalenessMs, token).Data.GetValueOrDefault(key));

    public Task<byte[]> Scan(byte[] startKey, byte[] endKey, byte[] prefix, int limit, ReadConsistency consistency, long maxStalenessMs, byte[]? token) => Run(() =>
    {
        var data = cluster.ReplicaForRead(shard, site, consistency, maxStalenessMs, token).Data;
        var order = data.Comparer;
        var matching = data.Where(p => order.Compare(p.Key, startKey) >= 0 && (endKey.Length == 0 || order.Compare(p.Key, endKey) < 0) && p.Key.AsSpan().StartsWith(prefix)).Take(limit + 1).ToList();
        return KeyValueCodec.EncodePage(new ScanPage([.. matching.Take(limit)], matching.Count > limit ? matching[limit].Key : null));
    });

    public Task<ReplicaStatus> GetStatus() => Run(() => cluster.Status(shard, site));

    public Task CallElection() => Run(() =>
    {
        cluster.Elect(shard, site);
        return true;
    });

    // The client changes membership through the site grain only.
    public Task<long> AddSite(int site, string endPoint, int priority) => throw new NotSupportedException("the client adds sites through ISiteGrain");

    public Task<long> RemoveSite(int site) => throw new NotSupportedException("the client removes sites through ISiteGrain");

    // Promotion and handover are tested end to end, against real silos (EndToEnd RoleChangeTests).
    public Task<PromotionReport> Promote(PromotionMode mode, int waitMs) => throw new NotSupportedException("tested end to end");

    public Task<ulong> StepDown(int forSite, uint gen) => throw new NotSupportedException("tested end to end");

    public Task<HandoverReport> Handover(int toSite, int waitMs) => throw new NotSupportedException("tested end to end");

    // The sync options are tested against real grains (Grains SyncOptionsTests) and silos (EndToEnd SyncOptionsEndToEndTests).
    public Task<int> SetPriority(int priority) => throw new NotSupportedException("tested against real grains");

    public Task<bool> SyncNow() => throw new NotSupportedException("tested against real grains");

    public Task Elect() => election ? CallElection() : throw new InvalidOperationException("not an election grain");

    Task<ElectionStatus> IElectionGrain.GetStatus() => Run(() =>
    {
        var s = cluster.Status(shard, site);
        return new ElectionStatus(shard, site, s.Gen, s.Egen, s.Master, s.Role == RepRole.Master);
    });

    public Task Deliver(int fromSite, byte[] messages) => throw new NotSupportedException();


    private Task<T> Run<T>(Func<T> call)
    {
        if (cluster.Hung[site])
        {
            cluster.Calls.Enqueue((site, "hung"));
            return new TaskCompletionSource<T>().Task; // a stopped process: the connection stays open, nothing answers
        }

        try
        {
            return Task.FromResult(call());
        }
#pragma warning disable CA1031 // Every error becomes the faulted task a remote call would give.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return Task.FromException<T>(e);
        }
    }
}
