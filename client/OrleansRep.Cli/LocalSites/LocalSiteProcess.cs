using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace OrleansRep.Cli.LocalSites;

/// <summary>
/// One silo process (<c>dotnet OrleansRep.Silo.dll --site-id N ...</c>) started by <c>orep</c>: its output kept (the
/// last <see cref="MaxLogLines"/> lines, for the message when it fails), its gateway and HTTP endpoints read from the
/// line it prints once started. It runs supervised (<c>OREP_SUPERVISED=1</c>, stdin a pipe from here), so it stops
/// by itself when <c>orep</c> dies without cleaning up.
/// </summary>
internal sealed partial class LocalSiteProcess : IDisposable
{
    public const int MaxLogLines = 200;

    private readonly Process _process;
    private readonly Queue<string> _log = new();
    private readonly TaskCompletionSource<(IPEndPoint Gateway, Uri Http)> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Starts <paramref name="siloDll"/> with <paramref name="args"/> under the same <c>dotnet</c> host as this process.</summary>
    public LocalSiteProcess(int site, string siloDll, IEnumerable<string> args)
    {
        Site = site;
        var info = new ProcessStartInfo(DotnetHost()) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(siloDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["OREP_SUPERVISED"] = "1";
        _process = new Process { StartInfo = info, EnableRaisingEvents = true };
        _process.Exited += (_, _) => _started.TrySetException(new InvalidOperationException($"site {Site} exited with code {_process.ExitCode} before it started; its last output:\n{LogTail(20)}"));
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Site { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The gateway and HTTP endpoints, once the site has started (faults if it exits first).</summary>
    public Task<(IPEndPoint Gateway, Uri Http)> Started => _started.Task;

    /// <summary>The last <paramref name="lines"/> lines the site printed.</summary>
    public string LogTail(int lines)
    {
        lock (_log)
        {
            return string.Join('\n', _log.Skip(Math.Max(0, _log.Count - lines)));
        }
    }

    /// <summary>kill -9 (returns once the process is gone).</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <summary>kill -<paramref name="signal"/> (TERM, STOP, CONT), through the system's kill command; returns once it is sent.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync().ConfigureAwait(false);
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to exit by itself; true when it did.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Stops the site gracefully (SIGTERM), and kills it if it has not exited within <paramref name="timeout"/>.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return;
        }

        // A stopped (SIGSTOP) process cannot act on SIGTERM; CONT first is harmless for a running one.
        await SignalAsync("CONT").ConfigureAwait(false);
        await SignalAsync("TERM").ConfigureAwait(false);
        if (!await WaitForExitAsync(timeout).ConfigureAwait(false))
        {
            Kill();
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    /// <summary>The <c>dotnet</c> running this process when it is one (so the silo runs on the same runtime), else "dotnet" from the PATH.</summary>
    private static string DotnetHost() =>
        Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";

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
