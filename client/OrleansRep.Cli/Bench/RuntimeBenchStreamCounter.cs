using OrleansRep.Runtime.Streams;

namespace OrleansRep.Cli.Bench;

/// <summary>The stream benchmark's subscriber (a batch observer): counts records, checks they arrive in token order,
/// and completes <see cref="AllReceived"/> at the expected count (or fails it if the subscription ends early).</summary>
internal sealed class RuntimeBenchStreamCounter : IAsyncBatchObserver<byte[]>
{
    private readonly int _expected;
    private readonly TaskCompletionSource _allReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _received;
    private StreamSequenceToken? _last;

    public RuntimeBenchStreamCounter(int expected) => _expected = expected;

    public Task AllReceived => _allReceived.Task;

    public Task OnNextAsync(IList<SequencedItem<byte[]>> batch)
    {
        foreach (var (item, token) in batch)
        {
            if ((_last is { } last && token <= last) || item.Length != 100)
            {
                _allReceived.TrySetException(new InvalidOperationException($"record {token} ({item.Length} bytes) arrived after {_last}"));
            }

            _last = token;
        }

        _received += batch.Count;
        if (_received >= _expected)
        {
            _allReceived.TrySetResult();
        }

        return Task.CompletedTask;
    }

    public Task OnErrorAsync(Exception exception)
    {
        _allReceived.TrySetException(new InvalidOperationException($"the benchmark subscription ended after {_received} of {_expected} records", exception));
        return Task.CompletedTask;
    }

    public Task OnCompletedAsync()
    {
        _allReceived.TrySetException(new InvalidOperationException($"the stream completed after {_received} of {_expected} records"));
        return Task.CompletedTask;
    }
}
