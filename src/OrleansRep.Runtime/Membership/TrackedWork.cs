namespace OrleansRep.Runtime.Membership;

/// <summary>
/// Fire-and-forget work its owner waits for when it stops: each piece runs on the thread pool, its failure ends it
/// quietly (the work handles what it can where it happens), and <see cref="StopAsync"/> refuses new work and
/// completes when the last running piece has finished.
/// </summary>
internal sealed class TrackedWork
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _running;
    private bool _stopping;

    /// <summary>Starts <paramref name="work"/> unless stopping.</summary>
    public void Run(Func<Task> work)
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            _running++;
        }

        _ = RunTrackedAsync(work);
    }

    /// <summary>Refuses new work; the task completes once no work is running.</summary>
    public Task StopAsync()
    {
        lock (_gate)
        {
            _stopping = true;
            if (_running == 0)
            {
                _idle.TrySetResult();
            }
        }

        return _idle.Task;
    }

    private async Task RunTrackedAsync(Func<Task> work)
    {
        try
        {
            await Task.Run(work, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Background work ends quietly at shutdown; anything else was already handled where it happened.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
        finally
        {
            lock (_gate)
            {
                if (--_running == 0 && _stopping)
                {
                    _idle.TrySetResult();
                }
            }
        }
    }
}
