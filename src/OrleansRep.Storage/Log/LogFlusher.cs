namespace OrleansRep.Storage.Log;

/// <summary>
/// Group commit for a <see cref="LogWriter"/>: callers wait until the log is written (or durable) up to their
/// record, and whoever holds the flushing role writes for all of them.
/// <para>
/// A blocking caller with nobody flushing becomes the flusher itself (no thread hop on the single-writer path);
/// asynchronous callers hand the work to a dedicated flusher thread, so thread-pool threads never block in fsync. A
/// flush takes everything appended so far, writes it, fsyncs if any waiter asked for durability, completes every
/// waiter it covered, and goes again while more waiters queued up meanwhile: N concurrent Sync committers share one
/// fsync.
/// </para>
/// Shares the writer's lock: a waiter's check of the progress, its queueing and the flushing role change together
/// with the append position, so a flush never misses a waiter nor a record appended before it.
/// </summary>
internal sealed class LogFlusher : IDisposable
{
    private readonly LogWriter _log;
    private readonly object _gate;
    private readonly List<LogWaiter> _waiters = [];
    private readonly Thread _thread;
    // An event, not a SemaphoreSlim: SemaphoreSlim.Wait spins before it blocks, and a flusher woken for every group
    // commit spent a noticeable share of a loaded site's CPU spinning there (perf). Wake-ups may coalesce: the loop
    // looks at the state under the lock, and a running flush serves every waiter queued before it stops.
    private readonly AutoResetEvent _wake = new(false);

    // Progress and the flushing role (guarded by _gate).
    private Lsn _written;
    private Lsn _durable;
    private bool _flushing;
    private bool _threadRequested;
    private bool _stopping;

    /// <param name="gate">The writer's lock, which guards the append position this flusher takes batches at.</param>
    public LogFlusher(LogWriter log, object gate, Lsn written, Lsn durable)
    {
        _log = log;
        _gate = gate;
        _written = written;
        _durable = durable;
        _thread = new Thread(ThreadLoop) { IsBackground = true, Name = "orep-log-flusher" };
        _thread.Start();
    }

    public Lsn Durable
    {
        get
        {
            lock (_gate)
            {
                return _durable;
            }
        }
    }

    /// <summary>Waits until the log is written (or, with <paramref name="durable"/>, fsynced) up to <paramref name="end"/>.
    /// The flush runs on the flusher thread; the caller's thread is free meanwhile.</summary>
    public ValueTask WaitAsync(Lsn end, bool durable)
    {
        LogWaiter waiter;
        lock (_gate)
        {
            _log.ThrowIfFailed();
            if ((durable ? _durable : _written) >= end)
            {
                return ValueTask.CompletedTask;
            }

            waiter = new LogWaiter(end, durable);
            _waiters.Add(waiter);
            if (_flushing || _threadRequested)
            {
                return new ValueTask(waiter.Completion.Task);
            }

            _threadRequested = true;
        }

        _wake.Set();
        return new ValueTask(waiter.Completion.Task);
    }

    /// <summary>Blocking wait: flushes on the caller's thread when nobody else is flushing.</summary>
    public void Wait(Lsn end, bool durable)
    {
        LogWaiter? waiter = null;
        lock (_gate)
        {
            _log.ThrowIfFailed();
            if ((durable ? _durable : _written) >= end)
            {
                return;
            }

            if (_flushing || _threadRequested)
            {
                waiter = new LogWaiter(end, durable);
                _waiters.Add(waiter);
            }
            else
            {
                _flushing = true;
            }
        }

        if (waiter != null)
        {
            waiter.Completion.Task.GetAwaiter().GetResult();
            return;
        }

        Flush(durable);
    }

    /// <summary>Takes the flushing role for a caller that rewrites the log files itself (a truncation), so no flush
    /// touches them meanwhile; <see cref="Release"/> gives it back. The caller holds the gate.</summary>
    public void Claim() => _flushing = true;

    /// <summary>Gives back the role <see cref="Claim"/> took. The caller holds the gate.</summary>
    public void Release() => _flushing = false;

    /// <summary>The log was cut back to <paramref name="to"/>, durably: that is where both progress marks stand now.
    /// The caller holds the gate.</summary>
    public void CutBackTo(Lsn to) => _written = _durable = to;

    private void ThreadLoop()
    {
        while (true)
        {
            _wake.WaitOne();
            lock (_gate)
            {
                if (_stopping)
                {
                    return;
                }

                _threadRequested = false;
                if (_flushing || _waiters.Count == 0)
                {
                    // Someone else is flushing; it will serve the queued waiters before it stops.
                    continue;
                }

                _flushing = true;
            }

            try
            {
                Flush(ownDurable: false);
            }
            catch (WriteFailedException)
            {
                // Every waiter has been told.
            }
        }
    }

    /// <summary>Runs flush rounds until no waiter is left. The caller has set <c>_flushing</c>.</summary>
    private void Flush(bool ownDurable)
    {
        var needSync = ownDurable;
        while (true)
        {
            LogBatch batch;
            lock (_gate)
            {
                batch = _log.TakeBatch();
                foreach (var w in _waiters)
                {
                    needSync |= w.Durable;
                }
            }

            WriteFailedException? failure = null;
            try
            {
                _log.Write(batch, needSync);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or ObjectDisposedException)
            {
                // Whatever the cause, the flusher must hand back: every waiter learns the failure, nobody hangs.
                failure = _log.MarkFailed(e, "writing the log");
            }

            List<LogWaiter>? done = null;
            bool finished;
            lock (_gate)
            {
                if (failure == null)
                {
                    _written = batch.End;
                    if (needSync)
                    {
                        _durable = batch.End;
                    }
                }

                for (var i = _waiters.Count - 1; i >= 0; i--)
                {
                    var w = _waiters[i];
                    if (failure != null || (w.Durable ? _durable : _written) >= w.End)
                    {
                        (done ??= []).Add(w);
                        _waiters.RemoveAt(i);
                    }
                }

                finished = _waiters.Count == 0 || failure != null;
                if (finished)
                {
                    _flushing = false;
                }
            }

            if (done != null)
            {
                foreach (var w in done)
                {
                    if (failure != null)
                    {
                        w.Completion.TrySetException(failure);
                    }
                    else
                    {
                        w.Completion.TrySetResult();
                    }
                }
            }

            if (failure != null)
            {
                throw failure;
            }

            if (finished)
            {
                return;
            }

            needSync = false;
        }
    }

    /// <summary>Stops the flusher thread; the writer closes its files after.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
        }

        _wake.Set();
        _thread.Join();
        _wake.Dispose();
    }
}
