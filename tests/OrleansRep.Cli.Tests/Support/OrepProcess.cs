using System.Diagnostics;
using System.Text;

namespace OrleansRep.Cli.Tests.Support;

/// <summary>
/// A running <c>orep</c> whose stdout is read line by line by the test and whose stderr is collected in the background
/// (so a chatty stderr can never block it). Created by <see cref="ProcessFixture"/>, which kills it when the test ends.
/// </summary>
public sealed class OrepProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal OrepProcess(IReadOnlyList<string> arguments)
    {
        CommandLine = OrepExecutable.CommandLine(arguments);
        _process = new Process { StartInfo = OrepExecutable.StartInfo(arguments) };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _stderrClosed.TrySetResult();
                return;
            }

            lock (_stderr)
            {
                _stderr.Append(e.Data).Append('\n');
            }
        };
        _process.Start();
        _process.BeginErrorReadLine();
    }

    public string CommandLine { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public StreamWriter Stdin => _process.StandardInput;

    public StreamReader Stdout => _process.StandardOutput;

    /// <summary>What the process wrote to stderr so far (all of it once <see cref="WaitForExitAsync"/> returned).</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>The next stdout line, or null when stdout closed (the process ended).</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken) =>
        await _process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false);

    public async Task WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        await _stderrClosed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>SIGKILL to the process and its children (what <c>kill -9</c> does), then waits until it is gone.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }

        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
