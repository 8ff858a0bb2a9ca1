using System.Diagnostics;
using System.Text;

namespace OrleansRep.Cli.Tests.Support;

/// <summary>
/// The real <c>orep</c> as built: <c>orep.dll</c> is copied next to this test assembly by the project reference, and is
/// run with the same <c>dotnet</c> host that runs the tests.
/// </summary>
public static class OrepExecutable
{
    public static string DllPath { get; } = Path.Combine(AppContext.BaseDirectory, "orep.dll");

    /// <summary>The dotnet host: the one the SDK announces to child processes, else the one on PATH.</summary>
    public static string DotnetHost { get; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
        ? host
        : "dotnet";

    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        if (!File.Exists(DllPath))
        {
            throw new FileNotFoundException($"orep.dll is not next to the tests ({DllPath}); the project reference should copy it", DllPath);
        }

        var info = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,

            // Latin-1 keeps every byte a dump may contain as one character, so comparisons are byte-exact.
            StandardOutputEncoding = Encoding.Latin1,
            StandardErrorEncoding = Encoding.UTF8,
            StandardInputEncoding = Encoding.Latin1,
        };
        info.ArgumentList.Add(DllPath);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment.Remove("OREP_DEBUG");
        return info;
    }

    public static string CommandLine(IEnumerable<string> arguments) => "orep " + string.Join(' ', arguments.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a));
}
