using System.Diagnostics;

namespace OrleansRep.Runtime.Testing;

/// <summary>
/// Waiting on a condition of a running cluster, never on a sleep: poll until it holds or a deadline passes. A poll
/// that throws counts as "not yet" (calls fail while the cluster changes); the last failure goes into the message.
/// </summary>
public static class Conditions
{
    /// <summary>Polls <paramref name="condition"/> every <paramref name="poll"/> (default 50 ms) until it holds.</summary>
    /// <exception cref="TimeoutException">It did not hold within <paramref name="deadline"/>; the message is
    /// <paramref name="explain"/>'s, with the last failure and <paramref name="where"/> (e.g. the data directory).</exception>
    public static async Task WaitUntilAsync(
        Func<Task<bool>> condition, Func<string> explain, TimeSpan deadline, string? where = null, TimeSpan? poll = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(explain);
        var waited = Stopwatch.StartNew();
        Exception? last = null;
        while (waited.Elapsed < deadline)
        {
            try
            {
                if (await condition().ConfigureAwait(false))
                {
                    return;
                }
            }
#pragma warning disable CA1031 // A failing poll while the cluster changes means "not yet".
            catch (Exception e)
#pragma warning restore CA1031
            {
                last = e;
            }

            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(50)).ConfigureAwait(false);
        }

        throw new TimeoutException($"{explain()} (after {deadline}; last error: {last?.Message ?? "none"}{(where is null ? "" : "; see " + where)})");
    }
}
