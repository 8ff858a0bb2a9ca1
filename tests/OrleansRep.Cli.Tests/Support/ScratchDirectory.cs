using Xunit.Abstractions;

namespace OrleansRep.Cli.Tests.Support;

/// <summary>
/// A fresh temporary directory for one test. Deleted on dispose once the test called <see cref="Passed"/>; a failed
/// test keeps it for inspection and prints its path.
/// </summary>
public sealed class ScratchDirectory(ITestOutputHelper output, string prefix = "orep-cli-") : IDisposable
{
    private bool _passed;

    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>A path inside the directory (not created).</summary>
    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Call as the last statement of a test: only then is the directory deleted.</summary>
    public void Passed() => _passed = true;

    public void Dispose()
    {
        if (!_passed)
        {
            output.WriteLine($"test failed; its files are kept in {Path}");
            return;
        }

        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
