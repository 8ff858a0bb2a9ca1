namespace OrleansRep.Storage.Tests.Support;

/// <summary>
/// A <see cref="FactAttribute"/> that reports the test as skipped, naming the package to install, when one of the
/// external tools it drives is not on PATH. xunit 2.9 has no way for a running test to skip itself, and a test that
/// returned early would pass without testing anything; deciding at discovery time makes the gap visible in the results.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RequiresToolFactAttribute : FactAttribute
{
    /// <param name="package">Debian package that provides the tools, named in the skip message.</param>
    /// <param name="tools">Executables the test runs; all must be on PATH.</param>
    public RequiresToolFactAttribute(string package, params string[] tools)
    {
        Package = package;
        Tools = tools;
        var missing = tools.FirstOrDefault(tool => ToolLocator.Find(tool) is null);
        if (missing is not null)
        {
            Skip = $"{missing} not installed (apt-get install {package})";
        }
    }

    public string Package { get; }

    public IReadOnlyList<string> Tools { get; }
}
