using OrleansRep.Cli.Bench;

namespace OrleansRep.Cli.Tests.Bench;

/// <summary>
/// Ctrl-C in the middle of a phase: every caller stops before the phase returns, even one whose operation then fails
/// otherwise than by cancellation (its client disposed as the run tears down). Before, such callers looped on,
/// catching the error as a failed operation, and CI saw <c>orep bench cluster</c> not exit after SIGINT for 4 minutes.
/// </summary>
public sealed class ClosedLoopPhaseTests
{
    [Theory]
    [InlineData(true)] // interrupted while warming up
    [InlineData(false)] // interrupted while measuring
    public async Task An_interrupted_phase_stops_every_caller_before_it_returns(bool duringWarmUp)
    {
        using var interrupt = new CancellationTokenSource();
        var calls = 0;
        var returned = 0;
        var callsAfterReturn = 0;
        var measuring = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        Task Operation(int caller, long sequence, CancellationToken cancellationToken)
        {
            if (Volatile.Read(ref returned) == 1)
            {
                Interlocked.Increment(ref callsAfterReturn);
            }

            if (Interlocked.Increment(ref calls) == 100)
            {
                if (duringWarmUp)
                {
                    interrupt.Cancel();
                }
                else
                {
                    measuring.TrySetResult();
                }
            }

            // Ignores the token and fails, as a call through a disposed client does.
            return interrupt.IsCancellationRequested ? Task.FromException(new ObjectDisposedException("client")) : YieldAsync();
        }

        static async Task YieldAsync() => await Task.Yield();

        var phase = ClosedLoopPhase.RunAsync("test", callers: 8, duringWarmUp ? TimeSpan.FromHours(1) : TimeSpan.Zero, TimeSpan.FromHours(1), Operation, TextWriter.Null, interrupt.Token);
        if (!duringWarmUp)
        {
            await measuring.Task;
            await interrupt.CancelAsync();
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => phase.WaitAsync(TimeSpan.FromMinutes(2)));
        Volatile.Write(ref returned, 1);
        await Task.Yield();
        Assert.Equal(0, Volatile.Read(ref callsAfterReturn));
    }
}
