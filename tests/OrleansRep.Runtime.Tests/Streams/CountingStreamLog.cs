using OrleansRep.Runtime.Streams;

namespace OrleansRep.Runtime.Tests.Streams;

/// <summary>Passes through to an in-memory log and counts the reads, to show a rewind used the log.</summary>
internal sealed class CountingStreamLog<T>(InMemoryStreamLog<T> inner) : IStreamLog<T>
{
    private int _reads;
    private int _largestBatch;

    public InMemoryStreamLog<T> Inner => inner;

    public int Reads => Volatile.Read(ref _reads);

    public int LargestBatch => Volatile.Read(ref _largestBatch);

    public ValueTask<StreamSequenceToken> GetEarliestAvailableAsync(StreamId streamId, CancellationToken cancellationToken) =>
        inner.GetEarliestAvailableAsync(streamId, cancellationToken);

    public async ValueTask<IReadOnlyList<SequencedItem<T>>> ReadAsync(
        StreamId streamId, StreamSequenceToken from, int maxItems, CancellationToken cancellationToken)
    {
        var batch = await inner.ReadAsync(streamId, from, maxItems, cancellationToken);
        Interlocked.Increment(ref _reads);
        InterlockedMax(ref _largestBatch, batch.Count);
        return batch;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
