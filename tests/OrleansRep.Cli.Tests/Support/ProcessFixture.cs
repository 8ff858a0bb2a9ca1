using System.Collections.Concurrent;
using System.Text;

namespace OrleansRep.Cli.Tests.Support;

/// <summary>
/// Starts <c>orep</c> processes for one test and kills every one of them (with its children) when disposed, whether the
/// test passed or failed. As a last resort, processes still alive when the test host exits are killed as well.
/// </summary>
public sealed class ProcessFixture : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private static readonly ConcurrentDictionary<OrepProcess, byte> Live = new();

    private readonly List<OrepProcess> _started = [];

    static ProcessFixture()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in Live.Keys)
            {
                process.Kill();
            }
        };
    }

    /// <summary>Starts <c>orep</c> with <paramref name="arguments"/>; the caller reads its stdout.</summary>
    public OrepProcess Start(params string[] arguments)
    {
        var process = new OrepProcess(arguments);
        lock (_started)
        {
            _started.Add(process);
        }

        Live.TryAdd(process, 0);
        return process;
    }

    /// <summary>Runs <c>orep</c> to completion with <paramref name="stdin"/> as its input (empty when null).</summary>
    public async Task<CliResult> RunWithInputAsync(string? stdin, params string[] arguments)
    {
        var process = Start(arguments);
        using var deadline = new CancellationTokenSource(DefaultTimeout);
        try
        {
            var stdout = process.Stdout.ReadToEndAsync(deadline.Token);
            if (stdin is not null)
            {
                await process.Stdin.WriteAsync(new StringBuilder(stdin), deadline.Token).ConfigureAwait(false);
            }

            process.Stdin.Close();
            var text = await stdout.ConfigureAwait(false);
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            return new CliResult(process.CommandLine, process.ExitCode, text, process.Stderr);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            process.Kill();
            throw new TimeoutException($"{process.CommandLine} did not finish within {DefaultTimeout.TotalSeconds} s; stderr:\n{process.Stderr}");
        }
        finally
        {
            Forget(process);
        }
    }

    /// <summary>Runs <c>orep</c> to completion with an empty stdin.</summary>
    public Task<CliResult> RunAsync(params string[] arguments) => RunWithInputAsync(null, arguments);

    /// <summary>Kills and forgets one process (crash tests kill many over one test).</summary>
    public void Kill(OrepProcess process)
    {
        process.Kill();
        Forget(process);
    }

    public void Dispose()
    {
        List<OrepProcess> all;
        lock (_started)
        {
            all = [.. _started];
            _started.Clear();
        }

        foreach (var process in all)
        {
            Live.TryRemove(process, out _);
            process.Dispose();
        }
    }

    private void Forget(OrepProcess process)
    {
        lock (_started)
        {
            _started.Remove(process);
        }

        Live.TryRemove(process, out _);
        process.Dispose();
    }
}
