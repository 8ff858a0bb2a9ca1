using OrleansRep.Runtime.Streams;
using OrleansRep.Runtime.Tests.Support;

namespace OrleansRep.Runtime.Tests.Streams;

/// <summary>
/// Records what a subscription delivers. <see cref="BeforeItem"/> runs before an item is recorded: a test uses it to
/// hold the observer (a gate) or make it fail (throw), in which case the item is not recorded.
/// </summary>
internal sealed class RecordingObserver<T>(string name) : IAsyncObserver<T>
{
    private readonly Lock _gate = new();
    private readonly List<SequencedItem<T>> _items = [];
    private int _entered;
    private Exception? _error;
    private bool _completed;

    public Func<T, StreamSequenceToken, Task>? BeforeItem { get; init; }

    public IReadOnlyList<SequencedItem<T>> Items { get { lock (_gate) { return [.. _items]; } } }

    public long[] Tokens => [.. Items.Select(i => i.Token.SequenceNumber)];

    /// <summary>How many OnNextAsync calls have begun (recorded or still held).</summary>
    public int Entered => Volatile.Read(ref _entered);

    public Exception? Error { get { lock (_gate) { return _error; } } }

    public bool Completed { get { lock (_gate) { return _completed; } } }

    public bool Ended => Error is not null || Completed;

    public async Task OnNextAsync(T item, StreamSequenceToken token)
    {
        Interlocked.Increment(ref _entered);
        if (BeforeItem is not null)
        {
            await BeforeItem(item, token);
        }
        lock (_gate)
        {
            Assert.False(_completed || _error is not null, $"{name}: an item after the subscription ended");
            _items.Add(new SequencedItem<T>(item, token));
        }
    }

    public Task OnErrorAsync(Exception exception)
    {
        lock (_gate)
        {
            _error = exception;
        }
        return Task.CompletedTask;
    }

    public Task OnCompletedAsync()
    {
        lock (_gate)
        {
            _completed = true;
        }
        return Task.CompletedTask;
    }

    public Task WaitForCountAsync(int count) =>
        Eventually.Until(() => Items.Count >= count, $"{name} to receive {count} items", Describe);

    public Task WaitForEndAsync() =>
        Eventually.Until(() => Ended, $"{name}'s subscription to end", Describe);

    public string Describe() =>
        $"{name}: tokens [{string.Join(",", Tokens)}], entered {Entered}, error {Error?.GetType().Name ?? "none"}, completed {Completed}";
}
