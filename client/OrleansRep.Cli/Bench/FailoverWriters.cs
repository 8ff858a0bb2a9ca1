using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansRep.Client;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;

namespace OrleansRep.Cli.Bench;

/// <summary>
/// The load of <c>orep bench failover</c>: a few writers putting unique keys to shard 0 under Quorum without pause,
/// through one client, for the whole run. Every acknowledged key is kept (its value follows from the key, see
/// <see cref="ClusterBenchKeys"/>) to be read back at the end. <see cref="WaitForAckAsync"/> tells the benchmark about
/// the next acknowledgement that matches (by master and time), which is how the master and the failover are found.
/// </summary>
internal sealed class FailoverWriters(OrleansRepClient client, int writers, TextWriter progress) : IAsyncDisposable
{
    /// <summary>The phase number in the writers' keys (<see cref="ClusterBenchKeys.Key"/>), apart from bench cluster's.</summary>
    private const int KeyPhase = 100;

    private readonly ConcurrentQueue<byte[]> _acked = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];
    private AckWatch? _watch;
    private long _permFailed;
    private long _errors;

    public IReadOnlyCollection<byte[]> Acked => _acked;

    public long PermFailed => Interlocked.Read(ref _permFailed);

    public long Errors => Interlocked.Read(ref _errors);

    public void Start()
    {
        for (var writer = 0; writer < writers; writer++)
        {
            var id = writer;
            _tasks.Add(Task.Run(() => WriteAsync(id)));
        }
    }

    /// <summary>The first write acknowledged after <paramref name="after"/> (a <see cref="Stopwatch"/> timestamp) by a
    /// master other than <paramref name="notBy"/> (0: any): its token and completion timestamp.</summary>
    /// <exception cref="TimeoutException">None within <paramref name="deadline"/>.</exception>
    public async Task<(CommitToken Token, long Completed)> WaitForAckAsync(int notBy, long after, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var watch = new AckWatch(notBy, after);
        Volatile.Write(ref _watch, watch);
        try
        {
            return await watch.Result.Task.WaitAsync(deadline, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no write to shard 0 was acknowledged{(notBy == 0 ? "" : $" by a master other than site {notBy}")} within {deadline.TotalSeconds:0} s (errors so far {Errors}, perm_failed {PermFailed})");
        }
        finally
        {
            Interlocked.CompareExchange(ref _watch, null, watch);
        }
    }

    /// <summary>Stops the writers and waits for their last writes.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(_tasks).ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task WriteAsync(int writer)
    {
        var options = new WriteOptions(AckPolicy.Quorum);
        var sequence = 0L;
        string? lastError = null;
        while (!_stop.IsCancellationRequested)
        {
            var key = NextKeyInShard0(writer, ref sequence);
            try
            {
                var token = await client.PutAsync(key, ClusterBenchKeys.ValueOf(key), options, _stop.Token).ConfigureAwait(false);
                var completed = Stopwatch.GetTimestamp();
                _acked.Enqueue(key);
                if (Volatile.Read(ref _watch) is { } watch && completed > watch.After && token.Master.Value != watch.NotBy)
                {
                    watch.Result.TrySetResult((token, completed));
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (DurabilityNotMetException)
            {
                Interlocked.Increment(ref _permFailed);
            }
            catch (Exception e)
            {
                // Expected while the master is down (no master in time, a call timed out or cut off); said once per kind.
                Interlocked.Increment(ref _errors);
                if (lastError != e.GetType().Name)
                {
                    lastError = e.GetType().Name;
                    progress.WriteLine($"  writer {writer}: {lastError}: {e.Message}");
                }
            }
        }
    }

    private byte[] NextKeyInShard0(int writer, ref long sequence)
    {
        while (true)
        {
            var key = ClusterBenchKeys.Key(KeyPhase, writer, sequence++);
            if (client.Map.ShardOf(key) == 0)
            {
                return key;
            }
        }
    }

    private sealed class AckWatch(int notBy, long after)
    {
        public int NotBy { get; } = notBy;

        public long After { get; } = after;

        public TaskCompletionSource<(CommitToken Token, long Completed)> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
