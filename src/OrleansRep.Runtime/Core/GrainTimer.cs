namespace OrleansRep.Runtime.Core;

/// <summary>
/// A grain timer: the <see cref="TimeProvider"/> timer only enqueues a tick in the activation's mailbox, and the tick
/// runs as a turn. The timer is one-shot and re-armed when a tick's turn ends, so ticks never pile up behind a
/// slow callback and there is at most one tick in the mailbox per timer.
/// </summary>
internal sealed class GrainTimer : IMailboxItem, IDisposable
{
    private readonly GrainActivation _activation;
    private readonly Func<CancellationToken, Task> _callback;
    private readonly TimeSpan _period;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _lock = new();
    private readonly ITimer _timer;

    public GrainTimer(GrainActivation activation, TimeProvider time, Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        _activation = activation;
        _callback = callback;
        _period = period;
        _timer = time.CreateTimer(static self => ((GrainTimer)self!).OnDue(), this, dueTime, Timeout.InfiniteTimeSpan);
    }

    public bool IsDisposed => _disposed.IsCancellationRequested;

    public void Dispose()
    {
        lock (_lock)
        {
            if (IsDisposed)
            {
                return;
            }

            _disposed.Cancel();
            _timer.Dispose();
        }

        // The token source is not disposed: it owns no timer, and a tick racing this Dispose may still read its token.
        _activation.RemoveTimer(this);
    }

    /// <summary>The tick's turn: runs the callback, then re-arms the timer for the next period.</summary>
    public async Task RunTickAsync()
    {
        if (IsDisposed)
        {
            return;
        }

        try
        {
            await _callback(_disposed.Token).ConfigureAwait(true);
        }
        catch (OperationCanceledException) when (IsDisposed)
        {
            // The timer was disposed during the tick; cancellation is how the callback was told.
        }
#pragma warning disable CA1031 // A timer has no caller to throw to: Orleans logs the failure and keeps the timer.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _activation.OnTimerFailed(ex);
        }

        lock (_lock)
        {
            if (!IsDisposed && _period != Timeout.InfiniteTimeSpan)
            {
                _timer.Change(_period, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>The tick's turn, queued by <see cref="GrainActivation.EnqueueTimerTick"/> (at most one per timer).</summary>
    async Task IMailboxItem.RunAsync()
    {
        try
        {
            CallChain.Current = _activation.OwnChain;
            await RunTickAsync().ConfigureAwait(false);
        }
        finally
        {
            _activation.OnTurnCompleted(isCall: false);
        }
    }

    void IMailboxItem.Fail(Exception error) => _activation.OnTurnCompleted(isCall: false);

    private void OnDue()
    {
        if (!IsDisposed)
        {
            _activation.EnqueueTimerTick(this);
        }
    }
}
