using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OrleansRep.Cli.Bench;

namespace OrleansRep.Cli.Commands;

/// <summary>
/// <c>orep bench promote [--rounds N] [--json] [--quick]</c>: how long writes to shard 0 are unavailable during a fast
/// promotion, a checkpoint-first promotion and a handover, under continuous writes, and whether any acknowledged write
/// was lost (see <see cref="RoleChangeBenchmark"/>). Starts its own local cluster. Exits 1 when one was lost.
/// </summary>
internal static class BenchPromoteCommand
{
    public static Command Create()
    {
        var rounds = CommonOptions.AtLeast("--rounds", 1, "rounds of (fast, checkpoint-first, handover) (default 10; 2 with --quick)");
        var json = new Option<bool>("--json") { Description = "print one JSON line (progress goes to stderr)" };
        var quick = new Option<bool>("--quick") { Description = "2 rounds, for a fast check" };
        var command = new Command("promote", "move shard 0's mastership by fast promotion, checkpoint-first promotion and handover on a local cluster under writes: unavailability, lost acknowledged writes")
        {
            rounds, json, quick,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var asJson = parse.GetValue(json);
            var progress = asJson ? Console.Error : Console.Out;
            var n = parse.GetValue(rounds) is > 0 and var r ? r : parse.GetValue(quick) ? 2 : 10;
            var report = await new RoleChangeBenchmark(n, progress).RunAsync(cancellationToken).ConfigureAwait(false);
            if (asJson)
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(report, RoleChangeJsonContext.Default.RoleChangeReport)).ConfigureAwait(false);
            }
            else
            {
                foreach (var k in report.Kinds)
                {
                    await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"{k.Kind}: writes unavailable median {k.ReportedMedianMs:F1} ms, max {k.ReportedMaxMs:F1} ms (as the sites report); writers saw median {k.WritersMedianMs:F1} ms, max {k.WritersMaxMs:F1} ms{(k.Refused == 0 ? "" : $"; {k.Refused} refused and tried again")}")).ConfigureAwait(false);
                }

                await Console.Out.WriteLineAsync($"acknowledged writes {report.AckedWrites}, lost {report.LostAckedWrites}; perm_failed {report.PermFailed}, other write errors {report.Errors}").ConfigureAwait(false);
            }

            return report.LostAckedWrites > 0 ? ExitCodes.Failure : ExitCodes.Success;
        });
        return command;
    }
}
