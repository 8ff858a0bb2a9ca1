namespace OrleansRep.Runtime.Transport;

/// <summary>
/// A call waiting for its response on a <see cref="TransportClient"/>. Whoever finishes it first — the response, the
/// error frame, the deadline sweep, the caller's token, or the connection closing — wins <see cref="TryFinish"/> and
/// alone releases its resources and sets its outcome, so the others become no-ops.
/// </summary>
internal sealed class PendingCall : TaskCompletionSource<byte[]>
{
    private int _finished;
    private long _deadline = long.MaxValue;

    // Continuations run on the pool: the caller's code must never run on (and stall) the connection's read loop.
    public PendingCall(TransportClient owner, long id, TimeSpan timeout)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Owner = owner;
        Id = id;
        Timeout = timeout;
    }

    /// <summary>The connection the call was made on (the state of the caller's token registration).</summary>
    public TransportClient Owner { get; }

    public long Id { get; }

    /// <summary>The call's timeout as the caller gave it (reported by <see cref="CallTimeoutException"/>).</summary>
    public TimeSpan Timeout { get; }

    /// <summary>When the call times out, as a <see cref="TimeProvider"/> timestamp; <see cref="long.MaxValue"/> until the request is sent, and for an infinite timeout.</summary>
    public long Deadline
    {
        get => Volatile.Read(ref _deadline);
        // A full fence (not just a release): the deadline must be visible before the writer reads the timer's armed
        // deadline, or a sweep running at that moment could miss this call (see CallDeadlineTimer).
        set => Interlocked.Exchange(ref _deadline, value);
    }

    /// <summary>The caller's token registration, made only when the token can be cancelled.</summary>
    public CancellationTokenRegistration Cancellation { get; set; }

    public bool IsFinished => Volatile.Read(ref _finished) != 0;

    /// <summary>True exactly once: for the party that gets to finish the call.</summary>
    public bool TryFinish() => Interlocked.Exchange(ref _finished, 1) == 0;
}
