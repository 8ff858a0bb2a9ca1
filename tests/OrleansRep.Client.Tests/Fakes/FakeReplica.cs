using OrleansRep.Grains.Interfaces;

namespace OrleansRep.Client.Tests.Fakes;

/// <summary>One shard's data on one site of the <see cref="FakeCluster"/>: applied pairs, the last applied LSN and the
/// commits received but not yet applied.</summary>
internal sealed class FakeReplica(Comparer<byte[]> order)
{
    public SortedDictionary<byte[], byte[]> Data { get; private set; } = new(order);

    public ulong Applied { get; private set; }

    public List<(uint Lsn, IReadOnlyList<BatchOperation> Operations)> Pending { get; } = [];

    public void ApplyPending()
    {
        foreach (var (lsn, operations) in Pending)
        {
            foreach (var o in operations)
            {
                if (o.Value is null)
                {
                    Data.Remove(o.Key);
                }
                else
                {
                    Data[o.Key] = o.Value;
                }
            }

            Applied = lsn;
        }

        Pending.Clear();
    }

    public void CopyFrom(FakeReplica other)
    {
        Data = new SortedDictionary<byte[], byte[]>(other.Data, Data.Comparer);
        Applied = other.Applied;
        Pending.Clear();
    }

    public FakeReplica Snapshot()
    {
        var copy = new FakeReplica((Comparer<byte[]>)Data.Comparer);
        copy.CopyFrom(this);
        return copy;
    }
}
