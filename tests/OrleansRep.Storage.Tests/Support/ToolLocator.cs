namespace OrleansRep.Storage.Tests.Support;

/// <summary>Finds an executable on PATH the way a shell would, so tests can tell whether an external tool is installed.</summary>
public static class ToolLocator
{
    /// <summary>Full path of <paramref name="tool"/> in the first PATH directory that has it, or null.</summary>
    public static string? Find(string tool)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        var names = OperatingSystem.IsWindows() ? new[] { tool + ".exe", tool } : [tool];
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in names)
            {
                var candidate = Path.Combine(directory, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
