namespace OrleansRep.Cli.Tests.Support;

/// <summary>Runs an <c>orep bench</c> command to its end (stdin closed), killed past <paramref name="deadline"/>.</summary>
internal static class BenchRun
{
    public static async Task<CliResult> RunAsync(ProcessFixture orep, string[] arguments, TimeSpan deadline)
    {
        var process = orep.Start(arguments);
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            process.Stdin.Close();
            var stdout = await process.Stdout.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            return new CliResult(process.CommandLine, process.ExitCode, stdout, process.Stderr);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            orep.Kill(process);
            throw new TimeoutException($"{process.CommandLine} did not finish within {deadline.TotalMinutes} min; stderr:\n{process.Stderr}");
        }
    }
}
