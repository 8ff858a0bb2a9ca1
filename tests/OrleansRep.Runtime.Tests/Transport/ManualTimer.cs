namespace OrleansRep.Runtime.Tests.Transport;

/// <summary>A timer of a <see cref="ManualTimeProvider"/>: due at a clock time, optionally periodic.</summary>
internal sealed class ManualTimer : ITimer
{
    private readonly ManualTimeProvider _clock;
    private readonly TimerCallback _callback;
    private readonly object? _state;
    private TimeSpan _period = Timeout.InfiniteTimeSpan;

    public ManualTimer(ManualTimeProvider clock, TimerCallback callback, object? state)
    {
        _clock = clock;
        _callback = callback;
        _state = state;
    }

    /// <summary>When it fires next; null when stopped. Read under the clock's gate.</summary>
    public DateTimeOffset? DueAt { get; private set; }

    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        DateTimeOffset now = _clock.Now;
        lock (_clock.Gate)
        {
            _period = period;
            DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : now + dueTime;
        }

        return true;
    }

    /// <summary>After firing at <paramref name="now"/>: the next period, or stopped. Called under the clock's gate.</summary>
    public void Reschedule(DateTimeOffset now) =>
        DueAt = _period == Timeout.InfiniteTimeSpan || _period == TimeSpan.Zero ? null : now + _period;

    public void Fire() => _callback(_state);

    public void Dispose()
    {
        lock (_clock.Gate)
        {
            DueAt = null;
        }

        _clock.Remove(this);
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
