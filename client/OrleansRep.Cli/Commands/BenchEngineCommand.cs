using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using OrleansRep.Cli.Bench;

namespace OrleansRep.Cli.Commands;

/// <summary>
/// <c>orep bench engine --home DIR [--json] [--quick]</c>: the engine workload of the Berkeley DB baseline. The home
/// must be empty (or absent): the benchmark never writes into someone's data.
/// </summary>
internal static class BenchEngineCommand
{
    public static Command Create()
    {
        var home = CommonOptions.Home();
        var json = new Option<bool>("--json") { Description = "print one JSON line with every phase (progress goes to stderr)" };
        var quick = new Option<bool>("--quick") { Description = "a tenth of the full sizes, for a fast check" };
        var command = new Command("engine", "put/commit/get/scan phases against the engine, sizes as the Berkeley DB baseline") { home, json, quick };
        command.SetAction(parse =>
        {
            var dir = parse.GetRequiredValue(home);
            if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
            {
                throw new UsageException($"bench needs an empty home; {dir} is not empty");
            }

            var asJson = parse.GetValue(json);
            var progress = asJson ? Console.Error : Console.Out;
            var phases = EngineBenchmark.Run(dir, parse.GetValue(quick) ? BenchSizes.Quick : BenchSizes.Full, progress);
            var peakRss = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;
            if (asJson)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new BenchReport(phases, Math.Round(peakRss, 1)), BenchJsonContext.Default.BenchReport));
            }
            else
            {
                Console.Out.WriteLine($"peak resident memory {peakRss:F0} MiB");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
