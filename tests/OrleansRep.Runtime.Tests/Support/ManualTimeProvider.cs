namespace OrleansRep.Runtime.Tests.Support;

/// <summary>
/// A clock that moves only when a test calls <see cref="Advance"/>, so timeouts, idle collection and timers are
/// driven by the test instead of by wall time. <see cref="GetTimestamp"/> reads the same clock, so elapsed-time
/// arithmetic (<see cref="TimeProvider.GetElapsedTime(long)"/>) agrees with <see cref="GetUtcNow"/>.
/// Timer callbacks run on the thread that calls <see cref="Advance"/>, outside the clock's lock, so a callback may
/// read the clock, change or dispose timers, or create new ones.
/// </summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _gate = new();

    // Only armed timers are listed: a timer leaves the list when it is stopped, disposed or fires as a one-shot.
    private readonly List<ManualTimer> _armed = [];

    // Creation order of timers, the tie-break for timers due at the same instant (see Advance).
    private long _created;

    // A fixed start keeps any time a test prints or compares the same from run to run.
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// How many timers of this clock are armed right now: created or changed with a finite due time, not disposed,
    /// and not a one-shot that has already fired. A periodic timer stays armed between its ticks; a timer stopped
    /// with <see cref="Timeout.InfiniteTimeSpan"/> or disposed is not counted.
    /// </summary>
    public int ArmedTimerCount
    {
        get
        {
            lock (_gate)
            {
                return _armed.Count;
            }
        }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    /// <summary>One timestamp tick per <see cref="DateTimeOffset"/> tick, so timestamps move only with the clock.</summary>
    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ManualTimer timer;
        lock (_gate)
        {
            timer = new ManualTimer(this, callback, state, _created++);
        }

        Change(timer, dueTime, period);
        return timer;
    }

    /// <summary>
    /// Moves the clock forward by <paramref name="by"/> and fires every timer that falls due on the way, in due
    /// order; timers due at the same instant fire in the order they were created. The clock stops at each due time
    /// while that timer's callback runs (the callback sees the time it was due at), and a periodic timer is re-armed
    /// from its due time, so it fires as many times as it would have in real time. A timer armed or changed by a
    /// callback fires in the same call if it falls due by the target.
    /// </summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        DateTimeOffset target;
        lock (_gate)
        {
            target = _now + by;
        }

        while (true)
        {
            ManualTimer? next;
            lock (_gate)
            {
                // Ties go to the older timer, not to list order (which changes with every re-arm), so a test whose
                // timers coincide (a silo's idle collector and a grain timer due at the same minute) is deterministic.
                next = _armed.Where(t => t.DueAt <= target).OrderBy(t => t.DueAt).ThenBy(t => t.Sequence).FirstOrDefault();
                if (next is null)
                {
                    // A concurrent Advance may already have moved past the target; the clock never goes back.
                    if (target > _now)
                    {
                        _now = target;
                    }

                    return;
                }

                var dueAt = next.DueAt!.Value;
                if (dueAt > _now)
                {
                    _now = dueAt;
                }

                _armed.Remove(next);
                if (next.Period is { } period)
                {
                    next.DueAt = dueAt + period;
                    _armed.Add(next);
                }
                else
                {
                    next.DueAt = null;
                }
            }

            next.Fire();
        }
    }

    /// <summary>Arms or stops <paramref name="timer"/> (see <see cref="ITimer.Change"/>); false once it is disposed.</summary>
    internal bool Change(ManualTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        // The same argument rules as the system clock's timers, so a bad due time or period fails here as it would there.
        ThrowIfNotATimerSpan(dueTime);
        ThrowIfNotATimerSpan(period);
        lock (_gate)
        {
            if (timer.IsDisposed)
            {
                return false;
            }

            _armed.Remove(timer);

            // As for System.Threading.Timer: a period of zero or infinite means the timer fires once.
            timer.Period = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? null : period;
            timer.DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : _now + dueTime;
            if (timer.DueAt is not null)
            {
                _armed.Add(timer);
            }

            return true;
        }
    }

    /// <summary>Stops <paramref name="timer"/> for good: a later <see cref="ITimer.Change"/> does not re-arm it.</summary>
    internal void Dispose(ManualTimer timer)
    {
        lock (_gate)
        {
            timer.IsDisposed = true;
            timer.DueAt = null;
            _armed.Remove(timer);
        }
    }

    private static void ThrowIfNotATimerSpan(TimeSpan span, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(span))] string? name = null)
    {
        if (span < TimeSpan.Zero && span != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(name, span, "A timer's due time and period are non-negative or Timeout.InfiniteTimeSpan.");
        }
    }
}
