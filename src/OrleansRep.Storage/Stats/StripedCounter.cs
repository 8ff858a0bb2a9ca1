namespace OrleansRep.Storage.Stats;

/// <summary>
/// A statistics counter for hot paths: increments go to one of several cache-line-separated slots picked by thread,
/// so concurrent readers do not fight over one line. Increments are plain (not interlocked): two threads sharing a
/// slot can lose a count now and then, which a statistic can afford and a lock-free read path cannot.
/// </summary>
internal sealed class StripedCounter
{
    private const int Slots = 16;
    private const int Spacing = 8; // 8 longs = 64 bytes
    private readonly long[] _slots = new long[Slots * Spacing];

    public void Increment() => _slots[(Environment.CurrentManagedThreadId & (Slots - 1)) * Spacing]++;

    public long Sum()
    {
        long sum = 0;
        for (var i = 0; i < Slots; i++)
        {
            sum += Volatile.Read(ref _slots[i * Spacing]);
        }

        return sum;
    }
}
