namespace OrleansRep.Cli.Tests.Support;

/// <summary>What one finished run of <c>orep</c> printed and returned.</summary>
public sealed record CliResult(string CommandLine, int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Everything a failure message needs to explain the run.</summary>
    public override string ToString() => $"{CommandLine} exited with {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}
