namespace OrleansRep.EndToEnd.Tests;

/// <summary>
/// A test that drives Debian's Chromium (<see cref="Path"/>) through Playwright: reported skipped, with the reason,
/// when it is not installed (<c>apt-get install chromium</c>; <c>test.sh</c> installs it when run as root). Playwright
/// never downloads a browser here.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresChromiumFactAttribute : FactAttribute
{
    /// <summary>The browser the tests launch.</summary>
    public const string Path = "/usr/bin/chromium";

    public RequiresChromiumFactAttribute()
    {
        if (!File.Exists(Path))
        {
            Skip = $"{Path} not installed (apt-get install chromium; ./test.sh installs it when run as root)";
        }
    }
}
