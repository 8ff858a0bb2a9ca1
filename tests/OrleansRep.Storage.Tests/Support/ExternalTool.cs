using System.Diagnostics;
using System.Text;

namespace OrleansRep.Storage.Tests.Support;

/// <summary>Runs an external command-line tool to completion and returns what it printed.</summary>
public static class ExternalTool
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Runs <paramref name="tool"/> (found on PATH) in <paramref name="workingDirectory"/> with LC_ALL=C, and returns
    /// its standard output decoded as Latin-1 so every byte it wrote survives as one character. Throws, quoting
    /// standard error, when the tool exits non-zero or runs past the timeout.
    /// </summary>
    public static string Run(string tool, string workingDirectory, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(ToolLocator.Find(tool) ?? throw new InvalidOperationException($"{tool} is not on PATH"))
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.Latin1,
            StandardErrorEncoding = Encoding.Latin1,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // isprint() follows the locale; pin it so db_dump -p escapes exactly the bytes outside 0x20..0x7e.
        startInfo.Environment["LC_ALL"] = "C";

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"{tool} did not start");

        // Read both pipes at once: a tool blocked on a full stderr pipe would never finish writing stdout.
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', arguments)} ran longer than {Timeout}");
        }

        Task.WaitAll(standardOutput, standardError);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{tool} {string.Join(' ', arguments)} exited with {process.ExitCode}: {standardError.Result}");
        }

        return standardOutput.Result;
    }
}
