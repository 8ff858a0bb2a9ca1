namespace OrleansRep.Runtime.Tests.Core;

/// <summary>Waits for a condition with a generous deadline (a loaded CI machine), returning as soon as it holds.</summary>
internal static class Eventually
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static Task Until(Func<bool> condition, string what) => Until(() => Task.FromResult(condition()), what);

    public static async Task Until(Func<Task<bool>> condition, string what)
    {
        var start = DateTime.UtcNow;
        while (!await condition())
        {
            if (DateTime.UtcNow - start > Deadline)
            {
                Assert.Fail($"Timed out after {Deadline.TotalSeconds} s waiting until {what}.");
            }

            await Task.Delay(2);
        }
    }
}
