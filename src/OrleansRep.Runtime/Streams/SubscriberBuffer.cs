using System.Runtime.CompilerServices;

namespace OrleansRep.Runtime.Streams;

/// <summary>
/// One subscriber's bounded buffer: publishers add runs of items (slices of one published batch, shared by every
/// subscriber), the delivery loop takes up to a batch at once. Both sides pay one lock per run or batch, not per
/// item. A publisher that found it full is woken only once it is at most half full, so a fast publisher and a slow
/// reader do not wake each other for every item. Holds at most <c>capacity</c> items.
/// </summary>
internal sealed class SubscriberBuffer<T>(int capacity)
{
    private readonly Lock _gate = new();
    private readonly Queue<ArraySegment<SequencedItem<T>>> _runs = new();
    private int _headTaken;
    private int _count;
    private bool _completed;
    private TaskCompletionSource<bool>? _readable;
    private TaskCompletionSource<bool>? _writable;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Adds as many of <paramref name="run"/>'s items as fit; how many (none when full or completed).</summary>
    public int TryWrite(ArraySegment<SequencedItem<T>> run)
    {
        TaskCompletionSource<bool>? reader;
        int taken;
        lock (_gate)
        {
            taken = _completed ? 0 : Math.Min(capacity - _count, run.Count);
            if (taken == 0)
            {
                return 0;
            }
            _runs.Enqueue(run[..taken]);
            _count += taken;
            (reader, _readable) = (_readable, null);
        }
        reader?.TrySetResult(true);
        return taken;
    }

    /// <summary>True once there is room again (at most half full), false once the buffer is completed.</summary>
    public Task<bool> WaitToWriteAsync()
    {
        lock (_gate)
        {
            return _completed ? Task.FromResult(false)
                : _count <= capacity / 2 ? Task.FromResult(true)
                : (_writable ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>True once there are items, false once the buffer is completed and empty.</summary>
    public async Task<bool> WaitToReadAsync()
    {
        while (true)
        {
            Task<bool> wait;
            lock (_gate)
            {
                if (_count > 0 || _completed)
                {
                    return _count > 0;
                }
                wait = (_readable ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
            await wait.ConfigureAwait(false);
        }
    }

    /// <summary>Removes up to <paramref name="max"/> items, oldest first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // the delivery hot path: no slow tier-0 phase
    public List<SequencedItem<T>> Take(int max)
    {
        TaskCompletionSource<bool>? writer = null;
        List<SequencedItem<T>> batch;
        lock (_gate)
        {
            batch = new List<SequencedItem<T>>(Math.Min(max, _count));
            while (batch.Count < max && _runs.TryPeek(out var run))
            {
                int n = Math.Min(run.Count - _headTaken, max - batch.Count);
                batch.AddRange(run.Slice(_headTaken, n));
                _headTaken += n;
                if (_headTaken == run.Count)
                {
                    _runs.Dequeue();
                    _headTaken = 0;
                }
            }
            _count -= batch.Count;
            if (_count <= capacity / 2)
            {
                (writer, _writable) = (_writable, null);
            }
        }
        writer?.TrySetResult(true);
        return batch;
    }

    /// <summary>Takes no more items; what is buffered can still be read. Wakes every waiter.</summary>
    public void Complete()
    {
        TaskCompletionSource<bool>? reader, writer;
        lock (_gate)
        {
            _completed = true;
            (reader, _readable, writer, _writable) = (_readable, null, _writable, null);
        }
        reader?.TrySetResult(false);
        writer?.TrySetResult(false);
    }
}
