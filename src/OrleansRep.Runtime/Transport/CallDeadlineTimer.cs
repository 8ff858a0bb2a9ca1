namespace OrleansRep.Runtime.Transport;

/// <summary>
/// One timer for all of a connection's call timeouts, instead of one per call. It is armed for the earliest deadline
/// it has been told about; when it fires it forgets that deadline and runs the sweep, which expires what is due and
/// re-arms it for the earliest deadline still pending. With one shared timeout most calls finish long before the
/// earliest deadline, so the timer rarely fires and arming costs a comparison.
/// </summary>
internal sealed class CallDeadlineTimer : IDisposable
{
    private readonly TimeProvider _time;
    private readonly Action _sweep;
    private readonly ITimer _timer;
    private readonly Lock _lock = new();

    // The deadline the timer is armed for (a timestamp), or long.MaxValue when it is not armed.
    private long _armedFor = long.MaxValue;

    public CallDeadlineTimer(TimeProvider time, Action sweep)
    {
        _time = time;
        _sweep = sweep;
        _timer = time.CreateTimer(static state => ((CallDeadlineTimer)state!).OnFired(), this, System.Threading.Timeout.InfiniteTimeSpan, System.Threading.Timeout.InfiniteTimeSpan);
    }

    /// <summary>The timestamp <paramref name="timeout"/> after <paramref name="start"/>, saturating far in the future.</summary>
    public long DeadlineAfter(long start, TimeSpan timeout)
    {
        double delta = timeout.Ticks * ((double)_time.TimestampFrequency / TimeSpan.TicksPerSecond);
        double deadline = start + Math.Ceiling(delta);
        return deadline >= long.MaxValue - 1 ? long.MaxValue - 1 : (long)deadline;
    }

    /// <summary>Makes sure the timer fires no later than <paramref name="deadline"/> (a timestamp).</summary>
    public void EnsureFiresBy(long deadline)
    {
        if (deadline >= Volatile.Read(ref _armedFor))
        {
            return;
        }

        lock (_lock)
        {
            if (deadline >= _armedFor)
            {
                return;
            }

            Volatile.Write(ref _armedFor, deadline);
            long remaining = deadline - _time.GetTimestamp();
            // Rounded up, so the sweep never wakes a moment before the deadline and finds nothing due.
            TimeSpan due = remaining <= 0
                ? TimeSpan.Zero
                : TimeSpan.FromTicks((long)Math.Min(Math.Ceiling(remaining * ((double)TimeSpan.TicksPerSecond / _time.TimestampFrequency)), TimeSpan.MaxValue.Ticks / 2));
            _timer.Change(due, System.Threading.Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose() => _timer.Dispose();

    private void OnFired()
    {
        // Forget the deadline first: a call registered from here on re-arms the timer itself, and the sweep below
        // sees every call registered before (it reads the pending set after this write).
        lock (_lock)
        {
            Interlocked.Exchange(ref _armedFor, long.MaxValue);
        }

        _sweep();
    }
}
