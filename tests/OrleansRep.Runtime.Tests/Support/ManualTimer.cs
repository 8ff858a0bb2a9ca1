namespace OrleansRep.Runtime.Tests.Support;

/// <summary>
/// A timer of a <see cref="ManualTimeProvider"/>. It only holds the callback and its schedule; the clock arms,
/// fires and stops it, and its schedule is read and written only under the clock's lock.
/// </summary>
internal sealed class ManualTimer : ITimer
{
    private readonly ManualTimeProvider _clock;
    private readonly TimerCallback _callback;
    private readonly object? _state;

    internal ManualTimer(ManualTimeProvider clock, TimerCallback callback, object? state, long sequence)
    {
        Sequence = sequence;
        _clock = clock;
        _callback = callback;
        _state = state;
    }

    /// <summary>Its place in the clock's creation order: of timers due at the same instant, the lower fires first.</summary>
    internal long Sequence { get; }

    /// <summary>When it fires next; null while stopped.</summary>
    internal DateTimeOffset? DueAt { get; set; }

    /// <summary>Time between ticks; null for a timer that fires once.</summary>
    internal TimeSpan? Period { get; set; }

    internal bool IsDisposed { get; set; }

    public bool Change(TimeSpan dueTime, TimeSpan period) => _clock.Change(this, dueTime, period);

    internal void Fire() => _callback(_state);

    public void Dispose() => _clock.Dispose(this);

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
