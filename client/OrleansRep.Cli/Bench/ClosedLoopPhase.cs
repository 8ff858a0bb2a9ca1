using System.Diagnostics;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Storage.Stats;

namespace OrleansRep.Cli.Bench;

/// <summary>
/// One timed phase of <c>orep bench cluster</c>: N callers, each issuing its next operation as soon as the last one
/// completes (a closed loop), first for a warm-up that is not measured, then for the measured duration. Each
/// operation's latency is taken from call to completion with <see cref="Stopwatch"/> timestamps into a
/// <see cref="LatencyHistogram"/>. PERM_FAILED writes (<see cref="DurabilityNotMetException"/>) and other failures are
/// counted apart and not in the ops.
/// </summary>
internal static class ClosedLoopPhase
{
    /// <summary>One operation: caller index, its sequence number (from 0, warm-up included).</summary>
    public delegate Task Operation(int caller, long sequence, CancellationToken cancellationToken);

    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (Ctrl-C).</exception>
    public static async Task<BenchPhase> RunAsync(
        string name, int callers, TimeSpan warmUp, TimeSpan duration, Operation operation, TextWriter progress, CancellationToken cancellationToken)
    {
        var histogram = new LatencyHistogram();
        long permFailed = 0, errors = 0;
        string? firstError = null;
        // Callers read these to know whether an operation they start is measured, and when to stop.
        var measureFrom = long.MaxValue;
        var stopAt = long.MaxValue;

        async Task CallerAsync(int caller)
        {
            // Off the starting thread at once: 64 callers start together, not one after another's first await.
            await Task.Yield();
            for (long sequence = 0; ; sequence++)
            {
                var started = Stopwatch.GetTimestamp();
                if (started >= Volatile.Read(ref stopAt) || cancellationToken.IsCancellationRequested)
                {
                    // Interrupted: stop here too. An operation that fails otherwise than by cancellation once the run
                    // tears down (its client disposed) would keep this loop spinning, and the clients' disposal waiting.
                    return;
                }

                var measured = started >= Volatile.Read(ref measureFrom);
                try
                {
                    await operation(caller, sequence, cancellationToken).ConfigureAwait(false);
                    if (measured)
                    {
                        histogram.RecordTicks(Stopwatch.GetTimestamp() - started);
                    }
                }
                catch (DurabilityNotMetException)
                {
                    if (measured)
                    {
                        Interlocked.Increment(ref permFailed);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    if (measured)
                    {
                        Interlocked.Increment(ref errors);
                        Interlocked.CompareExchange(ref firstError, $"{e.GetType().Name}: {e.Message}", null);
                    }
                }
            }
        }

        var tasks = Enumerable.Range(0, callers).Select(CallerAsync).ToList();
        // Timing, not synchronisation: the phase is defined as "warm up this long, then measure this long".
        try
        {
            await Task.Delay(warmUp, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // No caller outlives the phase: the run disposes the clients next.
            await WhenStoppedAsync(tasks).ConfigureAwait(false);
            throw;
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var (gen0, gen2, paused) = (GC.CollectionCount(0), GC.CollectionCount(2), GC.GetTotalPauseDuration());
        var from = Stopwatch.GetTimestamp();
        Volatile.Write(ref measureFrom, from);
        Volatile.Write(ref stopAt, from + (long)(duration.TotalSeconds * Stopwatch.Frequency));
        await WhenStoppedAsync(tasks).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();

        var seconds = Stopwatch.GetElapsedTime(from).TotalSeconds;
        var ops = histogram.Count;
        var phase = new BenchPhase(name, ops, Math.Round(seconds, 3), Math.Round(ops / seconds, 1),
            histogram.Percentile(0.50), histogram.Percentile(0.99))
        {
            P999Us = histogram.Percentile(0.999),
            PermFailed = permFailed,
            Errors = errors,
            AllocBytesPerOp = Math.Round((GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)Math.Max(1, ops), 1),
            GcGen0 = GC.CollectionCount(0) - gen0,
            GcGen2 = GC.CollectionCount(2) - gen2,
            GcPauseMs = Math.Round((GC.GetTotalPauseDuration() - paused).TotalMilliseconds, 1),
        };
        progress.WriteLine($"{name}: {ops} ops in {seconds:F2} s, {phase.OpsPerSec:N0} ops/s, p50 {phase.P50Us:F0} us, p99 {phase.P99Us:F0} us, p999 {phase.P999Us:F0} us, perm_failed {permFailed}, errors {errors}"
            + (firstError is null ? "" : $" (first: {firstError})"));
        return phase;
    }

    /// <summary>Every caller has returned, or ended by cancellation (the only exception a caller lets out).</summary>
    private static async Task WhenStoppedAsync(List<Task> callers)
    {
        try
        {
            await Task.WhenAll(callers).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Interrupted: the caller's own ThrowIfCancellationRequested reports it.
        }
    }
}
