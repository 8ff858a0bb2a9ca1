using System.Diagnostics;

namespace OrleansRep.Runtime.Tests.Support;

/// <summary>
/// Waits for a condition by polling, with a generous deadline (a loaded 2-core CI machine), returning as soon as it
/// holds; tests use it instead of a bare sleep as synchronisation. A failure names what was awaited and, when given,
/// what was seen instead.
/// </summary>
internal static class Eventually
{
    /// <summary>How long any test waits for something that should happen before calling it a failure.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static Task Until(Func<bool> condition, string what, Func<string>? seen = null) =>
        Until(() => Task.FromResult(condition()), what, seen);

    public static async Task Until(Func<Task<bool>> condition, string what, Func<string>? seen = null)
    {
        // A Stopwatch, not the wall clock: a clock adjustment must not end or stretch the wait.
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            if (waited.Elapsed > Deadline)
            {
                var observed = seen is null ? "" : $"; seen: {seen()}";
                Assert.Fail($"Timed out after {Deadline.TotalSeconds:0} s waiting until {what}{observed}.");
            }

            await Task.Delay(2);
        }
    }
}
