using System.Buffers;

namespace OrleansRep.Runtime.Transport;

/// <summary>
/// A call waiting for its response on a <see cref="TransportClient"/>. Whoever finishes it first — the response, the
/// error frame, the deadline sweep, the caller's token, or the connection closing — wins <see cref="TryFinish"/> and
/// alone releases its resources and sets its outcome, so the others become no-ops. The response is decoded on the read
/// loop by the decoder the caller gave.
/// </summary>
internal sealed class PendingCall : TaskCompletionSource<object?>
{
    private readonly Func<ReadOnlySequence<byte>, object?> _decode;
    private readonly Func<RemoteCallException, Exception>? _translateError;
    private int _finished;
    private long _deadline = long.MaxValue;

    // Continuations run on the pool: the caller's code must never run on (and stall) the connection's read loop.
    public PendingCall(
        TransportClient owner, long id, TimeSpan timeout, Func<ReadOnlySequence<byte>, object?> decode, Func<RemoteCallException, Exception>? translateError)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        _decode = decode;
        _translateError = translateError;
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

    /// <summary>Completes the call with its decoded response (or the decoder's exception).</summary>
    public void SetResponse(ReadOnlySequence<byte> payload)
    {
        object? result;
        try
        {
            result = _decode(payload);
        }
#pragma warning disable CA1031 // A response that does not decode fails this call, not the connection.
        catch (Exception e)
#pragma warning restore CA1031
        {
            TrySetException(e);
            return;
        }

        TrySetResult(result);
    }

    /// <summary>Fails the call with the handler's error, as the caller asked to see it.</summary>
    public void SetError(ReadOnlySequence<byte> payload)
    {
        var error = RemoteCallException.Decode(payload.ToArray());
        TrySetException(_translateError is null ? error : _translateError(error));
    }
}
