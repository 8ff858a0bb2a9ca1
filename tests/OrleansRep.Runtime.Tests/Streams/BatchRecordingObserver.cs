using OrleansRep.Runtime.Streams;
using OrleansRep.Runtime.Tests.Support;

namespace OrleansRep.Runtime.Tests.Streams;

/// <summary>Records the batches a subscription delivers (for tests of the batch path itself).</summary>
internal sealed class BatchRecordingObserver<T>(string name) : IAsyncBatchObserver<T>
{
    private readonly Lock _gate = new();
    private readonly List<IList<SequencedItem<T>>> _batches = [];

    public IReadOnlyList<IList<SequencedItem<T>>> Batches { get { lock (_gate) { return [.. _batches]; } } }

    public long[] Tokens => [.. Batches.SelectMany(b => b).Select(i => i.Token.SequenceNumber)];

    public Exception? Error { get; private set; }

    public bool Completed { get; private set; }

    public Task OnNextAsync(IList<SequencedItem<T>> batch)
    {
        lock (_gate)
        {
            _batches.Add(batch);
        }
        return Task.CompletedTask;
    }

    public Task OnErrorAsync(Exception exception)
    {
        Error = exception;
        return Task.CompletedTask;
    }

    public Task OnCompletedAsync()
    {
        Completed = true;
        return Task.CompletedTask;
    }

    public Task WaitForCountAsync(int count) =>
        Eventually.Until(() => Tokens.Length >= count, $"{name} to receive {count} items", () => $"{name}: [{string.Join(",", Tokens)}]");
}
