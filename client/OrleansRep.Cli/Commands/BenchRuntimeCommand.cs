using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using OrleansRep.Cli.Bench;

namespace OrleansRep.Cli.Commands;

/// <summary>
/// <c>orep bench runtime [--json] [--quick]</c>: remote grain call round trips (1 and 64 callers) through a silo,
/// gateway and clients in this process, and an in-process stream phase. Writes nothing to disk.
/// </summary>
internal static class BenchRuntimeCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "print one JSON line with every phase (progress goes to stderr)" };
        var quick = new Option<bool>("--quick") { Description = "small sizes, for a fast check" };
        var command = new Command("runtime", "remote grain calls with 1 and 64 callers over loopback, and in-process stream delivery") { json, quick };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var asJson = parse.GetValue(json);
            var progress = asJson ? Console.Error : Console.Out;
            var sizes = parse.GetValue(quick) ? RuntimeBenchSizes.Quick : RuntimeBenchSizes.Full;
            var phases = await RuntimeBenchmark.RunAsync(sizes, progress, cancellationToken).ConfigureAwait(false);
            var peakRss = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;
            if (asJson)
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(new BenchReport(phases, Math.Round(peakRss, 1)), BenchJsonContext.Default.BenchReport)).ConfigureAwait(false);
            }
            else
            {
                await Console.Out.WriteLineAsync($"peak resident memory {peakRss:F0} MiB").ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
