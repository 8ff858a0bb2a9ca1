using OrleansRep.Storage.Log;

namespace OrleansRep.Storage.Txn;

/// <summary>
/// Decides when a <see cref="StorageEnvironment"/> checkpoints on its own: after a commit once the log has grown by
/// <see cref="StorageOptions.CheckpointLogBytes"/> since the last checkpoint, and on each
/// <see cref="StorageOptions.CheckpointInterval"/> tick that finds commits since it. Such a checkpoint runs on the
/// thread pool, one at a time, so a committer never waits for it.
/// </summary>
internal sealed class CheckpointScheduler : IDisposable
{
    private readonly StorageEnvironment _env;
    private readonly LogWriter _log;
    private readonly ITimer? _timer;
    private long _logBytesAtCheckpoint;
    private long _commitsAtCheckpoint;
    private int _running;

    public CheckpointScheduler(StorageEnvironment env, LogWriter log, TimeProvider time)
    {
        _env = env;
        _log = log;
        if (env.Options.CheckpointInterval > TimeSpan.Zero)
        {
            _timer = time.CreateTimer(_ => OnTimer(), null, env.Options.CheckpointInterval, env.Options.CheckpointInterval);
        }
    }

    /// <summary>Whether a background checkpoint is under way.</summary>
    public bool Running => Volatile.Read(ref _running) != 0;

    /// <summary>Records where a checkpoint (of any kind) left the log and the commit count: the triggers count from there.</summary>
    public void Checkpointed(long logBytes, long commits)
    {
        Interlocked.Exchange(ref _logBytesAtCheckpoint, logBytes);
        Interlocked.Exchange(ref _commitsAtCheckpoint, commits);
    }

    /// <summary>Whether the environment committed since the last checkpoint (its count is now <paramref name="commits"/>).</summary>
    public bool CommittedSinceCheckpoint(long commits) => commits != Interlocked.Read(ref _commitsAtCheckpoint);

    /// <summary>Called after each commit: starts a checkpoint once the log grew enough since the last one.</summary>
    public void AfterCommit()
    {
        if (_env.Options.CheckpointLogBytes > 0 && _log.AppendedBytes - Interlocked.Read(ref _logBytesAtCheckpoint) >= _env.Options.CheckpointLogBytes)
        {
            Start();
        }
    }

    private void OnTimer()
    {
        if (CommittedSinceCheckpoint(_env.Commits))
        {
            Start();
        }
    }

    private void Start()
    {
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(
            static scheduler =>
            {
                try
                {
                    if (!scheduler._env.Closed && !scheduler._log.Failed)
                    {
                        scheduler._env.Checkpoint();
                    }
                }
                catch (StorageException)
                {
                    // The failure is recorded (write-failed state); the next writer sees it.
                }
                catch (ObjectDisposedException)
                {
                }
                finally
                {
                    Volatile.Write(ref scheduler._running, 0);
                }
            },
            this,
            preferLocal: false);
    }

    /// <summary>Stops the timer; a checkpoint under way goes on (the environment waits for <see cref="Running"/>).</summary>
    public void Dispose() => _timer?.Dispose();
}
