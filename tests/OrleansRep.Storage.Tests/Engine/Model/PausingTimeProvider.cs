namespace OrleansRep.Storage.Tests.Engine.Model;

/// <summary>
/// The system clock, except that once armed the next <see cref="GetUtcNow"/> parks its caller until released. The
/// environment reads the clock in Checkpoint() after taking its snapshot and before writing it, so this stops a
/// checkpoint at exactly that point, deterministically. Waits have a deadline so a broken test fails, not hangs.
/// </summary>
public sealed class PausingTimeProvider : TimeProvider, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly ManualResetEventSlim _paused = new();
    private readonly ManualResetEventSlim _release = new();
    private int _armed;

    public void PauseNextRead()
    {
        _paused.Reset();
        _release.Reset();
        Volatile.Write(ref _armed, 1);
    }

    public void WaitUntilPaused()
    {
        if (!_paused.Wait(Deadline))
        {
            throw new TimeoutException("nobody read the clock");
        }
    }

    public void Release() => _release.Set();

    public override DateTimeOffset GetUtcNow()
    {
        if (Interlocked.CompareExchange(ref _armed, 0, 1) == 1)
        {
            _paused.Set();
            if (!_release.Wait(Deadline))
            {
                throw new TimeoutException("the paused clock read was never released");
            }
        }

        return System.GetUtcNow();
    }

    public void Dispose()
    {
        _paused.Dispose();
        _release.Dispose();
    }
}
