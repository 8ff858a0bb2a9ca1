using OrleansRep.Runtime.Streams;

namespace OrleansRep.Cli.Bench;

/// <summary>The stream benchmark's subscriber: counts records, checks they arrive in token order, and completes
/// <see cref="AllReceived"/> at the expected count (or fails it if the subscription ends early).</summary>
internal sealed class RuntimeBenchStreamCounter : IAsyncObserver<byte[]>
{
    private readonly int _expected;
    private readonly TaskCompletionSource _allReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _received;
    private StreamSequenceToken? _last;

    public RuntimeBenchStreamCounter(int expected) => _expected = expected;

    public Task AllReceived => _allReceived.Task;

    public Task OnNextAsync(byte[] item, StreamSequenceToken token)
    {
        if (_last is { } last && token <= last)
        {
            _allReceived.TrySetException(new InvalidOperationException($"record {token} arrived after {last}"));
        }

        _last = token;
        if (++_received == _expected)
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
