using System.CommandLine;
using System.Globalization;
using OrleansRep.Client;
using OrleansRep.Grains.Interfaces;

namespace OrleansRep.Cli.Cluster;

/// <summary>
/// <c>orep ban --site N [--seconds S]</c> and <c>orep unban --site N</c>: the recovery master's ban by hand (CTDB's
/// <c>ctdb ban</c>/<c>ctdb unban</c>). A banned site's election priority is 0 on every shard and its masterships are
/// handed over first; it wins no election (of a shard, or of the recovery master) until unbanned or the ban ends.
/// </summary>
internal static class BanCommands
{
    /// <summary>The ban period when none is given (the silo's default RecoveryBanPeriod).</summary>
    public const int DefaultSeconds = 300;

    public static async Task<int> BanAsync(OrleansRepClient client, TextWriter output, int site, int seconds, CancellationToken cancellationToken)
    {
        var view = await client.BanSiteAsync(site, TimeSpan.FromSeconds(seconds), cancellationToken: cancellationToken).ConfigureAwait(false);
        output.Write(string.Create(CultureInfo.InvariantCulture, $"site {view.Site} banned until {view.BannedUntil:O}; masters {Mastered(view)}\n"));
        return ExitCodes.Success;
    }

    public static async Task<int> UnbanAsync(OrleansRepClient client, TextWriter output, int site, CancellationToken cancellationToken)
    {
        var view = await client.UnbanSiteAsync(site, cancellationToken).ConfigureAwait(false);
        output.Write(string.Create(CultureInfo.InvariantCulture, $"site {view.Site} is not banned; its priorities are restored\n"));
        return ExitCodes.Success;
    }

    private static string Mastered(RecoveryView view)
    {
        var shards = view.Shards.Where(s => s.Master == view.Site).Select(s => s.Shard.ToString(CultureInfo.InvariantCulture)).ToList();
        return shards.Count == 0 ? "no shard" : "shard " + string.Join(", ", shards) + " (not handed over in time: the recovery master's takeover run moves them)";
    }

    public static Command Ban()
    {
        var site = CommonOptions.AtLeast("--site", 1, "the site to ban");
        site.Required = true;
        var seconds = CommonOptions.AtLeast("--seconds", 1, $"how long (default {DefaultSeconds})", DefaultSeconds);
        var command = new Command("ban", "ban a site: election priority 0 everywhere, its masterships handed over first") { site, seconds };
        var cluster = ClusterArguments.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            await using var client = await cluster.ConnectAsync(parse, ct).ConfigureAwait(false);
            return await BanAsync(client, Console.Out, parse.GetValue(site), parse.GetValue(seconds), ct).ConfigureAwait(false);
        });
        return command;
    }

    public static Command Unban()
    {
        var site = CommonOptions.AtLeast("--site", 1, "the site to unban");
        site.Required = true;
        var command = new Command("unban", "end a site's ban: its election priorities restored") { site };
        var cluster = ClusterArguments.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            await using var client = await cluster.ConnectAsync(parse, ct).ConfigureAwait(false);
            return await UnbanAsync(client, Console.Out, parse.GetValue(site), ct).ConfigureAwait(false);
        });
        return command;
    }
}
