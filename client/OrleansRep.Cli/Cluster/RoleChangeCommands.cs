using System.CommandLine;
using System.Globalization;
using OrleansRep.Client;
using OrleansRep.Grains.Interfaces;
using PromotionMode = OrleansRep.Replication.Inputs.PromotionMode;

namespace OrleansRep.Cli.Cluster;

/// <summary>
/// <c>orep promote --site N (--shard S | --all) [--mode fast|checkpoint-first] [--wait SECONDS]</c> (PostgreSQL's
/// <c>pg_ctl promote</c> / <c>pg_promote(wait, wait_seconds)</c>) and <c>orep handover --shard S --to N [--wait
/// SECONDS]</c>. Each prints one line per shard with the new generation and how long writes were unavailable; a refused
/// change exits 1 with the reason.
/// </summary>
internal static class RoleChangeCommands
{
    public static async Task<int> PromoteAsync(OrleansRepClient client, TextWriter output, int site, int? shard, PromotionMode mode, TimeSpan wait, CancellationToken cancellationToken)
    {
        var reports = await client.PromoteAsync(site, shard, mode, wait, cancellationToken).ConfigureAwait(false);
        foreach (var r in reports.OrderBy(r => r.Shard))
        {
            output.Write(Line(r) + "\n");
        }

        return ExitCodes.Success;
    }

    public static string Line(PromotionReport r) => r.AlreadyMaster
        ? string.Create(CultureInfo.InvariantCulture, $"shard {r.Shard}: site {r.Site} is already master (gen {r.Gen})")
        : string.Create(CultureInfo.InvariantCulture,
            $"shard {r.Shard}: site {r.Site} promoted ({ModeName(r.Mode)}), master in gen {r.Gen}; writes unavailable {r.UnavailableMs:F1} ms (log applied in {r.CatchUpMs:F1} ms); {Previous(r)}");

    public static async Task<int> HandoverAsync(OrleansRepClient client, TextWriter output, int shard, int to, TimeSpan wait, CancellationToken cancellationToken)
    {
        var r = await client.HandoverAsync(shard, to, wait, cancellationToken).ConfigureAwait(false);
        output.Write(string.Create(CultureInfo.InvariantCulture,
            $"shard {r.Shard}: handed over from site {r.From} to site {r.To}, master in gen {r.Gen}; writes unavailable {r.UnavailableMs:F1} ms (catching up {r.CatchUpMs:F1} ms)\n"));
        return ExitCodes.Success;
    }

    public static string ModeName(PromotionMode mode) => mode == PromotionMode.Fast ? "fast" : "checkpoint-first";

    private static string Previous(PromotionReport r) =>
        r.PreviousMaster == 0 ? "no master was known"
        : r.PreviousMasterSteppedDown ? string.Create(CultureInfo.InvariantCulture, $"site {r.PreviousMaster} stepped down")
        : string.Create(CultureInfo.InvariantCulture, $"site {r.PreviousMaster} could not be reached (it rolls back what this site lacks when it returns)");

    public static Command Promote()
    {
        var site = CommonOptions.AtLeast("--site", 1, "the site to promote");
        site.Required = true;
        var shard = new Option<int?>("--shard") { Description = "the shard to promote it for", HelpName = "S" };
        var all = new Option<bool>("--all") { Description = "every shard (in parallel)" };
        var mode = new Option<string>("--mode") { Description = "fast (open for writes, then checkpoint; default) or checkpoint-first", DefaultValueFactory = _ => "fast" };
        mode.AcceptOnlyFromAmong("fast", "checkpoint-first");
        var wait = CommonOptions.AtLeast("--wait", 0, "seconds to wait for it to finish (default 60)", 60);
        var command = new Command("promote", "promote a site to master by hand (PostgreSQL-style; the old master steps down if reachable)") { site, shard, all, mode, wait };
        var cluster = ClusterArguments.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var one = parse.GetValue(shard);
            if (one is null == !parse.GetValue(all))
            {
                throw new UsageException("give either --shard S or --all");
            }

            await using var client = await cluster.ConnectAsync(parse, ct).ConfigureAwait(false);
            var promotion = parse.GetValue(mode) == "checkpoint-first" ? PromotionMode.CheckpointFirst : PromotionMode.Fast;
            return await PromoteAsync(client, Console.Out, parse.GetValue(site), one, promotion, TimeSpan.FromSeconds(parse.GetValue(wait)), ct).ConfigureAwait(false);
        });
        return command;
    }

    public static Command Handover()
    {
        var shard = CommonOptions.AtLeast("--shard", 0, "the shard to hand over");
        shard.Required = true;
        var to = CommonOptions.AtLeast("--to", 1, "the site to make its master");
        to.Required = true;
        var wait = CommonOptions.AtLeast("--wait", 0, "seconds to wait for it to catch up and take over (default 60)", 60);
        var command = new Command("handover", "move a shard's mastership to a caught-up site with no lost writes") { shard, to, wait };
        var cluster = ClusterArguments.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            await using var client = await cluster.ConnectAsync(parse, ct).ConfigureAwait(false);
            return await HandoverAsync(client, Console.Out, parse.GetValue(shard), parse.GetValue(to), TimeSpan.FromSeconds(parse.GetValue(wait)), ct).ConfigureAwait(false);
        });
        return command;
    }
}
