using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OrleansRep.Cli.Bench;

namespace OrleansRep.Cli.Commands;

/// <summary>
/// <c>orep bench failover [--trials N] [--kill 9|stop] [--json] [--quick]</c>: how long shard 0 takes to acknowledge
/// writes again after its master is killed, and whether any acknowledged write was lost (see
/// <see cref="FailoverBenchmark"/>). It must own the processes it kills, so it always starts its own local cluster:
/// <c>--cluster</c> is refused. Exits 1 when an acknowledged write was lost.
/// </summary>
internal static class BenchFailoverCommand
{
    public static Command Create()
    {
        var trials = CommonOptions.AtLeast("--trials", 1, "master failures to measure (default 20; 3 with --quick)");
        var kill = new Option<string>("--kill")
        {
            Description = "how the master goes down: 9 (kill -9, default) or stop (kill -STOP, a hung process)",
            HelpName = "9|stop",
            DefaultValueFactory = _ => "9",
        };
        kill.AcceptOnlyFromAmong("9", "stop");
        var json = new Option<bool>("--json") { Description = "print one JSON line (progress goes to stderr)" };
        var quick = new Option<bool>("--quick") { Description = "3 trials, for a fast check" };
        var cluster = new Option<string?>("--cluster") { Description = "not supported: failover kills processes, so it starts its own cluster", HelpName = "HOST:PORT[,...]" };
        var command = new Command("failover", "kill shard 0's master N times on a local cluster of silo processes: time until a new master acknowledges writes, and lost acknowledged writes")
        {
            trials, kill, json, quick, cluster,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(cluster) is not null)
            {
                throw new UsageException("bench failover kills and restarts silo processes, so it starts its own local cluster; --cluster is not supported");
            }

            var asJson = parse.GetValue(json);
            var progress = asJson ? Console.Error : Console.Out;
            var options = new FailoverBenchOptions
            {
                Trials = parse.GetValue(trials) is > 0 and var n ? n : parse.GetValue(quick) ? 3 : 20,
                Kill = parse.GetValue(kill) == "stop" ? FailoverKill.Stop : FailoverKill.Kill9,
            };
            var report = await new FailoverBenchmark(options, progress).RunAsync(cancellationToken).ConfigureAwait(false);
            if (asJson)
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(report, FailoverJsonContext.Default.FailoverReport)).ConfigureAwait(false);
            }
            else
            {
                var samples = string.Join(", ", report.SamplesMs.Select(s => s.ToString("F1", CultureInfo.InvariantCulture)));
                await Console.Out.WriteLineAsync($"failover (kill {report.Kill}), {report.Trials} trials: median {report.MedianMs:F1} ms, max {report.MaxMs:F1} ms ({samples})").ConfigureAwait(false);
                await Console.Out.WriteLineAsync($"phase medians (ms after the signal): {string.Join(", ", report.PhaseMediansMs.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value:F1}")))}").ConfigureAwait(false);
                await Console.Out.WriteLineAsync($"acknowledged writes {report.AckedWrites}, lost {report.LostAckedWrites}; perm_failed {report.PermFailed}, other write errors {report.Errors}").ConfigureAwait(false);
            }

            return report.LostAckedWrites > 0 ? ExitCodes.Failure : ExitCodes.Success;
        });
        return command;
    }
}
