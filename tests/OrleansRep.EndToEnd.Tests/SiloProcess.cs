using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace OrleansRep.EndToEnd.Tests;

/// <summary>
/// One silo process started from the built executable (<c>dotnet OrleansRep.Silo.dll --site-id N ...</c>), its output
/// captured (the last <see cref="MaxLogLines"/> lines), its gateway and HTTP endpoints read from the line it prints once
/// started. It runs supervised (<c>OREP_SUPERVISED=1</c>, stdin a pipe from here), so it stops even if the test host dies.
/// </summary>
internal sealed partial class SiloProcess : IDisposable
{
    public const int MaxLogLines = 5_000;

    private readonly Process _process;
    private readonly Queue<string> _log = new();
    private readonly TaskCompletionSource<(IPEndPoint Gateway, Uri Http)> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SiloProcess(int site, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        Site = site;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "OrleansRep.Silo.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["OREP_SUPERVISED"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        _process = new Process { StartInfo = info, EnableRaisingEvents = true };
        _process.Exited += (_, _) => _started.TrySetException(new InvalidOperationException($"site {Site} exited with code {_process.ExitCode} before it started"));
        _process.Start();
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Site { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The gateway and HTTP endpoints, once the site has started (faults if it exits first).</summary>
    public Task<(IPEndPoint Gateway, Uri Http)> Started => _started.Task;

    public string Log()
    {
        lock (_log)
        {
            return string.Join('\n', _log);
        }
    }

    public int ExitCode => _process.ExitCode;

    public int Id => _process.Id;

    /// <summary>Waits for the process to exit on its own, then for the end of its output.</summary>
    public async Task WaitForExitAsync(TimeSpan deadline)
    {
        await _process.WaitForExitAsync().WaitAsync(deadline);
    }

    /// <summary>kill -TERM, then waits for the exit.</summary>
    public async Task TerminateAsync(TimeSpan deadline)
    {
        await SignalAsync("TERM");
        await _process.WaitForExitAsync().WaitAsync(deadline);
    }

    /// <summary>kill -<paramref name="signal"/> (TERM, STOP, CONT).</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    /// <summary>kill -9.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            if (_log.Count == MaxLogLines)
            {
                _log.Dequeue();
            }

            _log.Enqueue(line);
        }

        if (StartedLine().Match(line) is { Success: true } m)
        {
            _started.TrySetResult((IPEndPoint.Parse(m.Groups["gateway"].Value), new Uri(m.Groups["http"].Value)));
        }
    }

    [GeneratedRegex(@"^site \d+: site-to-site \S+, gateway (?<gateway>\S+), http (?<http>\S+),")]
    private static partial Regex StartedLine();
}
