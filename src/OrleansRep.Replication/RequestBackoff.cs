namespace OrleansRep.Replication;

/// <summary>
/// When to repeat a request nobody answered (Berkeley DB's <c>rcvd_ts</c>/<c>wait_ts</c> pair in
/// <c>__rep_check_doreq</c>): a repeat is due once the current wait has passed since the last send or progress; each
/// repeat doubles the wait up to the maximum; progress brings it back to the minimum.
/// </summary>
internal sealed class RequestBackoff(long minMicros, long maxMicros)
{
    private readonly long _min = minMicros;
    private readonly long _max = maxMicros;
    private long _since;

    /// <summary>The current wait in microseconds.</summary>
    public long Wait { get; private set; } = minMicros;

    /// <summary>How many repeats since the last <see cref="Restart"/> (0: the first send has not been repeated).</summary>
    public int Repeats { get; private set; }

    /// <summary>A first request went out (or the awaited answer made progress): wait the minimum from now.</summary>
    public void Restart(long now)
    {
        _since = now;
        Wait = _min;
        Repeats = 0;
    }

    /// <summary>True when a repeat is due at <paramref name="now"/>; the caller sends it and the wait doubles.</summary>
    public bool RepeatDue(long now)
    {
        if (now - _since < Wait)
        {
            return false;
        }

        _since = now;
        Wait = Math.Min(Wait * 2, _max);
        Repeats++;
        return true;
    }
}
