using System.Reflection;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansRep.Runtime.Core;

/// <summary>
/// One in-memory incarnation of a grain, and its scheduling.
/// <para>Turns: every piece of grain code (a call, a timer tick, OnActivateAsync, OnDeactivateAsync) runs as a task
/// on this activation's exclusive scheduler, and awaits inside grain code resume there, so no two pieces of grain
/// code ever run at the same time (Orleans' single-threaded activation). On top of that, the mailbox loop runs
/// one non-interleaving call or tick at a time, to completion, in arrival order. The loop itself is a task on that
/// scheduler (it resumes there after every await), so it runs each turn by calling it directly: a turn costs no
/// extra task, and it still holds the scheduler only between the turn's awaits, like any other turn.</para>
/// <para>Interleaving: a call that may interleave — the grain class is <see cref="ReentrantAttribute">[Reentrant]</see>,
/// the method is <see cref="AlwaysInterleaveAttribute">[AlwaysInterleave]</see>, or the call's
/// <see cref="CallChain"/> already contains this grain — skips the mailbox and starts at once (after activation),
/// interleaving with the running turn at its awaits. Such calls are not queued, so they need no bound beyond the
/// callers awaiting them.</para>
/// <para>Lifecycle: Activating, Valid, Deactivating, Invalid. Deactivation begins only when no call or tick is in
/// flight (accepted and not finished), so the mailbox is empty when it is closed; a call that finds the activation
/// deactivating waits for it to end and goes to a new activation.</para>
/// </summary>
internal sealed class GrainActivation
{
    private readonly Silo _silo;
    private readonly GrainRegistration _registration;
    private readonly Lock _lock = new();
    private readonly Channel<IMailboxItem> _mailbox;
    private readonly TaskScheduler _scheduler = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
    private readonly TaskCompletionSource _activated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _deactivated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<GrainTimer> _timers = [];
    private readonly List<Func<CancellationToken, Task>> _stateLoaders = [];
    private readonly HashSet<string> _stateNames = new(StringComparer.Ordinal);
    private ActivationStatus _status = ActivationStatus.Activating;
    private int _started;
    private int _inflight;
    private bool _deactivationRequested;
    private DeactivationReason _deactivationReason;
    private DateTimeOffset _lastCall;
    private bool _constructing;
    private Grain? _grain;
    private GrainActivationException? _failure;

    /// <summary>Why activation failed; null while activating and after a successful one.</summary>
    internal GrainActivationException? ActivationFailure => Volatile.Read(ref _failure);

    public GrainActivation(GrainId grainId, GrainRegistration registration, Silo silo)
    {
        GrainId = grainId;
        OwnChain = CallChain.Empty.Append(grainId);
        _registration = registration;
        _silo = silo;
        _mailbox = Channel.CreateBounded<IMailboxItem>(new BoundedChannelOptions(silo.SchedulingOptions.MailboxCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    private enum ActivationStatus
    {
        Activating,
        Valid,
        Deactivating,
        Invalid,
    }

    public GrainId GrainId { get; }

    /// <summary>The chain of a turn no other grain waits on (a client call, a tick), made once: setting the same
    /// chain again on the loop's flow allocates nothing.</summary>
    public CallChain OwnChain { get; }

    public IGrainFactory GrainFactory => _silo.GrainFactory;

    public IServiceProvider Services => _silo.Services;

    /// <summary>Completes when the activation is gone (deactivated, or its activation failed).</summary>
    public Task Deactivated => _deactivated.Task;

    /// <summary>Starts the activation's loop once; the catalog calls it on the activation that won the race.</summary>
    public void EnsureStarted()
    {
        if (Volatile.Read(ref _started) == 0 && Interlocked.Exchange(ref _started, 1) == 0)
        {
            // The loop serves every caller, so it must not carry the first caller's async-local values.
            using (ExecutionContext.SuppressFlow())
            {
                _ = RunTurnAsync(RunAsync);
            }
        }
    }

    /// <summary>Counts a call in flight, or returns false if the activation is going away.</summary>
    public bool TryAcceptCall()
    {
        lock (_lock)
        {
            if (_status is ActivationStatus.Deactivating or ActivationStatus.Invalid)
            {
                return false;
            }

            _inflight++;
            return true;
        }
    }

    /// <summary>Runs an accepted call (see <see cref="TryAcceptCall"/>) and returns its result.</summary>
    public ValueTask<object?> InvokeAsync(GrainCall call)
    {
        GrainMethodDescriptor method;
        try
        {
            method = GrainInterfaceDescriptor.Get(call.InterfaceType).GetMethod(call.Method);
        }
#pragma warning disable CA1031 // It is the call's failure, delivered through its task like any other.
        catch (Exception e)
#pragma warning restore CA1031
        {
            OnTurnCompleted(isCall: true);
            return ValueTask.FromException<object?>(e);
        }

        if (_registration.IsReentrant || method.AlwaysInterleave || call.CallChain.Contains(GrainId))
        {
            return new ValueTask<object?>(InvokeInterleavedAsync(call, method));
        }

        // Not async: a call that finds room in the mailbox costs one object (the turn is also the caller's result).
        var turn = new CallTurn(this, call, method);
        Enqueue(turn);
        return turn.Result;
    }

    /// <summary>Queues a timer tick as a turn, unless the activation is going away.</summary>
    public void EnqueueTimerTick(GrainTimer timer)
    {
        lock (_lock)
        {
            if (_status is ActivationStatus.Deactivating or ActivationStatus.Invalid)
            {
                return;
            }

            _inflight++;
        }

        Enqueue(timer);
    }

    /// <summary>Deactivates once nothing is in flight (at once if nothing is).</summary>
    public void RequestDeactivation(DeactivationReason reason)
    {
        lock (_lock)
        {
            if (_status is ActivationStatus.Deactivating or ActivationStatus.Invalid)
            {
                return;
            }

            if (!_deactivationRequested)
            {
                _deactivationRequested = true;
                _deactivationReason = reason;
            }

            if (_status == ActivationStatus.Valid && _inflight == 0)
            {
                BeginDeactivationLocked();
            }
        }
    }

    /// <summary>Deactivates if nothing is in flight and the last call ended at least <paramref name="age"/> ago.</summary>
    public void CollectIfIdle(DateTimeOffset now, TimeSpan age)
    {
        lock (_lock)
        {
            if (_status == ActivationStatus.Valid && _inflight == 0 && now - _lastCall >= age)
            {
                _deactivationReason = new DeactivationReason(DeactivationReasonCode.ActivationIdle, $"no call for {now - _lastCall}");
                BeginDeactivationLocked();
            }
        }
    }

    public IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime < TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(dueTime), dueTime, "The due time must be zero or more, or Timeout.InfiniteTimeSpan.");
        }

        if (period <= TimeSpan.Zero && period != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "The period must be positive, or Timeout.InfiniteTimeSpan for a one-shot timer.");
        }

        lock (_lock)
        {
            if (_status is ActivationStatus.Deactivating or ActivationStatus.Invalid)
            {
                throw new InvalidOperationException($"Grain {GrainId} is deactivating: it cannot register a timer.");
            }

            var timer = new GrainTimer(this, _silo.Time, callback, dueTime, period);
            _timers.Add(timer);
            return timer;
        }
    }

    public void RemoveTimer(GrainTimer timer)
    {
        lock (_lock)
        {
            _timers.Remove(timer);
        }
    }

    public void OnTimerFailed(Exception exception) => CoreLog.TimerCallbackFailed(_silo.Logger, GrainId, exception);

    public IPersistentState<TState> GetPersistentState<TState>(string stateName, string storageName) where TState : new()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stateName);
        ArgumentException.ThrowIfNullOrWhiteSpace(storageName);
        if (!_constructing)
        {
            throw new InvalidOperationException($"Grain {GrainId}: GetPersistentState must be called from the grain's constructor, so the state is loaded before OnActivateAsync.");
        }

        if (!_stateNames.Add(stateName))
        {
            throw new InvalidOperationException($"Grain {GrainId}: persistent state '{stateName}' is already declared.");
        }

        var storage = _silo.Services.GetKeyedService<IGrainStorage>(storageName)
            ?? throw new InvalidOperationException($"Grain {GrainId}: no grain storage named '{storageName}' is registered (SiloBuilder.AddMemoryGrainStorage or AddGrainStorage).");
        var state = new PersistentState<TState>(GrainId, stateName, storage);
        _stateLoaders.Add(state.ReadStateAsync);
        return state;
    }

    private Task RunTurnAsync(Func<Task> turn) =>
        Task.Factory.StartNew(turn, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _scheduler).Unwrap();

    private Task<T> RunTurnAsync<T>(Func<Task<T>> turn) =>
        Task.Factory.StartNew(turn, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _scheduler).Unwrap();

    private async Task<object?> InvokeInterleavedAsync(GrainCall call, GrainMethodDescriptor method)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var failed = true;
        try
        {
            await _activated.Task.ConfigureAwait(false);
            var result = await RunTurnAsync(() => InvokeGrainAsync(call, method)).ConfigureAwait(false);
            failed = false;
            return result;
        }
        finally
        {
            OnTurnCompleted(isCall: true);
            RecordCall(method, started, failed);
        }
    }

    /// <summary>Counts a finished call of <paramref name="method"/> in the grain type's statistics.</summary>
    public void RecordCall(GrainMethodDescriptor method, long startTimestamp, bool failed) =>
        _registration.Statistics.RecordCall(method, startTimestamp, failed);

    /// <summary>Calls the grain method; runs on the activation's scheduler.</summary>
    public Task<object?> InvokeGrainAsync(GrainCall call, GrainMethodDescriptor method)
    {
        // Runs on the scheduler: the chain set here flows into the grain method and the calls it makes.
        CallChain.Current = call.CallChain.Grains.IsEmpty ? OwnChain : call.CallChain.Append(GrainId);
        return method.Invoke(_grain!, call.Arguments);
    }

    // Runs on the activation's scheduler (see EnsureStarted): every await here resumes there (ConfigureAwait(true)),
    // so the turns it awaits directly start on the scheduler as if each had been queued to it.
    private async Task RunAsync()
    {
        CallChain.Current = OwnChain;
        if (await ActivateAsync().ConfigureAwait(true))
        {
            var reader = _mailbox.Reader;
            while (await reader.WaitToReadAsync().ConfigureAwait(true))
            {
                while (reader.TryRead(out var item))
                {
                    await item.RunAsync().ConfigureAwait(true);
                }
            }

            await DeactivateAsync().ConfigureAwait(true);
            _registration.Statistics.OnDeactivated();
        }
        else
        {
            while (_mailbox.Reader.TryRead(out var item))
            {
                item.Fail(_failure!);
            }
        }

        lock (_lock)
        {
            _status = ActivationStatus.Invalid;
        }

        _silo.OnActivationGone(this);
        _deactivated.TrySetResult();
    }

    private async Task<bool> ActivateAsync()
    {
        CallChain.Current = OwnChain;
        try
        {
            _constructing = true;
            try
            {
                _grain = Grain.Construct(this, () => (Grain)_registration.Factory(_silo.Services, []));
            }
            finally
            {
                _constructing = false;
            }

            using var timeout = new CancellationTokenSource(_silo.CollectionOptions.ActivationTimeout, _silo.Time);
            foreach (var load in _stateLoaders)
            {
                await load(timeout.Token).ConfigureAwait(true);
            }

            await _grain.OnActivateAsync(timeout.Token).ConfigureAwait(true);
            lock (_lock)
            {
                _status = ActivationStatus.Valid;
                _lastCall = _silo.Time.GetUtcNow();
                if (_deactivationRequested && _inflight == 0)
                {
                    BeginDeactivationLocked();
                }
            }

            _registration.Statistics.OnActivated();
            _activated.TrySetResult();
            return true;
        }
#pragma warning disable CA1031 // Any failure to activate becomes the typed activation error every waiting caller gets.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var cause = ex is TargetInvocationException { InnerException: { } inner } ? inner : ex;
            CoreLog.ActivationFailed(_silo.Logger, GrainId, cause);
            _failure = new GrainActivationException(GrainId, cause);
            lock (_lock)
            {
                _status = ActivationStatus.Invalid;
                _mailbox.Writer.TryComplete();
            }

            StopTimers();
            _activated.TrySetException(_failure);
            _ = _activated.Task.Exception; // observed: callers that wait on it get _failure anyway
            return false;
        }
    }

    private async Task DeactivateAsync()
    {
        CallChain.Current = OwnChain;
        StopTimers();
        try
        {
            using var timeout = new CancellationTokenSource(_silo.CollectionOptions.DeactivationTimeout, _silo.Time);
            await _grain!.OnDeactivateAsync(_deactivationReason, timeout.Token).ConfigureAwait(true);
        }
#pragma warning disable CA1031 // Deactivation has no caller to report to; Orleans logs and discards the activation.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            CoreLog.DeactivationFailed(_silo.Logger, GrainId, _deactivationReason, ex);
        }
    }

    /// <summary>Ends a call's or tick's count of in-flight work (once per accepted call or queued tick).</summary>
    public void OnTurnCompleted(bool isCall)
    {
        lock (_lock)
        {
            _inflight--;
            if (isCall)
            {
                _lastCall = _silo.Time.GetUtcNow();
            }

            if (_inflight == 0 && _deactivationRequested && _status == ActivationStatus.Valid)
            {
                BeginDeactivationLocked();
            }
        }
    }

    private void BeginDeactivationLocked()
    {
        // Nothing is in flight, so the mailbox is empty: closing it ends the loop, which then runs the last turn.
        _status = ActivationStatus.Deactivating;
        _mailbox.Writer.TryComplete();
    }

    private void Enqueue(IMailboxItem item)
    {
        if (!_mailbox.Writer.TryWrite(item))
        {
            _ = WriteWhenRoomAsync(item);
        }
    }

    private async Task WriteWhenRoomAsync(IMailboxItem item)
    {
        try
        {
            await _mailbox.Writer.WriteAsync(item).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            // The mailbox closes under an accepted call only when activation failed: the call gets that failure.
            item.Fail(_failure ?? (Exception)ex);
        }
    }

    private void StopTimers()
    {
        GrainTimer[] timers;
        lock (_lock)
        {
            timers = [.. _timers];
        }

        foreach (var timer in timers)
        {
            timer.Dispose();
        }
    }
}
