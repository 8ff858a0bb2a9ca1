namespace OrleansRep.Runtime.Tests.Streams;

/// <summary>Waits for a condition with a generous deadline, polling; never a bare sleep as synchronisation.</summary>
internal static class Eventually
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static async Task WaitUntilAsync(Func<bool> condition, string expected, Func<string> seen)
    {
        var started = DateTime.UtcNow;
        while (!condition())
        {
            if (DateTime.UtcNow - started > Deadline)
            {
                Assert.Fail($"waited {Deadline.TotalSeconds:0} s for: {expected}; seen: {seen()}");
            }
            await Task.Delay(2);
        }
    }
}
