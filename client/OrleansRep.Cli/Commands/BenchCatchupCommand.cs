using System.CommandLine;
using System.Text.Json;
using OrleansRep.Cli.Bench;

namespace OrleansRep.Cli.Commands;

/// <summary>
/// <c>orep bench catchup [--mb N] [--mode log|init] [--json] [--quick]</c>: how fast a client site that was down
/// while the master wrote N MB catches up, from the master's log or by internal init (see <see cref="CatchupBenchmark"/>).
/// It kills and restarts silo processes, so it always starts its own local cluster. Exits 1 when a sampled value read
/// back from the caught-up site is wrong or missing.
/// </summary>
internal static class BenchCatchupCommand
{
    public static Command Create()
    {
        var mb = CommonOptions.AtLeast("--mb", 1, "megabytes of values written while the site is down (default 1024; 64 with --quick)");
        var mode = new Option<string>("--mode")
        {
            Description = "log: the site catches up from the master's log (default); init: the master archives that log first, so the site comes back by internal init",
            HelpName = "log|init",
            DefaultValueFactory = _ => "log",
        };
        mode.AcceptOnlyFromAmong("log", "init");
        var json = new Option<bool>("--json") { Description = "print one JSON line (progress goes to stderr)" };
        var quick = new Option<bool>("--quick") { Description = "64 MB, for a fast check" };
        var command = new Command("catchup", "kill a client site of a local 3-site cluster, write N MB, restart it: catch-up rate (MB/s) from its restart to the master's log end")
        {
            mb, mode, json, quick,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var asJson = parse.GetValue(json);
            var progress = asJson ? Console.Error : Console.Out;
            var options = new CatchupBenchOptions
            {
                Megabytes = parse.GetValue(mb) is > 0 and var n ? n : parse.GetValue(quick) ? 64 : 1024,
                Mode = parse.GetValue(mode) == "init" ? CatchupMode.Init : CatchupMode.Log,
            };
            var report = await new CatchupBenchmark(options, progress).RunAsync(cancellationToken).ConfigureAwait(false);
            if (asJson)
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(report, CatchupJsonContext.Default.CatchupReport)).ConfigureAwait(false);
            }
            else
            {
                await Console.Out.WriteLineAsync($"catchup ({report.Mode}{(report.InternalInit ? ", internal init" : "")}) of site {report.Site}: {report.PayloadMb} MB in {report.Seconds:F2} s = {report.MbPerSecond:F1} MB/s from restart, {report.MbPerSecondFromUp:F1} MB/s from up ({report.SecondsFromUp:F2} s); log bytes {report.LogBytes}").ConfigureAwait(false);
                await Console.Out.WriteLineAsync($"sampled {report.Sampled} keys from the caught-up site: {report.WrongValues} wrong or missing; writing took {report.WriteSeconds:F1} s").ConfigureAwait(false);
            }

            return report.WrongValues > 0 ? ExitCodes.Failure : ExitCodes.Success;
        });
        return command;
    }
}
