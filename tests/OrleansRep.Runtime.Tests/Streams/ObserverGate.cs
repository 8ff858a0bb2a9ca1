namespace OrleansRep.Runtime.Tests.Streams;

/// <summary>
/// Holds an observer inside OnNextAsync until the test opens it. Disposing opens it for good, so a failing test
/// never leaves a delivery loop stuck (which would hang the provider's disposal).
/// </summary>
internal sealed class ObserverGate : IDisposable
{
    private readonly SemaphoreSlim _permits = new(0);
    private int _open;

    public Task PassAsync() => Volatile.Read(ref _open) == 1 ? Task.CompletedTask : _permits.WaitAsync();

    public void Open()
    {
        if (Interlocked.Exchange(ref _open, 1) == 0)
        {
            _permits.Release(int.MaxValue / 2);
        }
    }

    public void Dispose() => Open();
}
