using System.CommandLine;
using System.Globalization;
using OrleansRep.Client;

namespace OrleansRep.Cli.Cluster;

/// <summary>
/// <c>orep sites priority ID PRIORITY</c> (Berkeley DB's <c>rep_set_priority</c>, online: 0 = never master) and
/// <c>orep sync --site N [--shard S]</c> (<c>rep_sync</c>: a site started with <c>--delay-client-sync</c> syncs with
/// its master now). Each prints one line per shard; bad input exits 2, an unreachable site 1.
/// </summary>
internal static class SyncCommands
{
    public static async Task<int> PriorityAsync(OrleansRepClient client, TextWriter output, int site, int priority, CancellationToken cancellationToken)
    {
        var previous = await client.SetPriorityAsync(site, priority, cancellationToken).ConfigureAwait(false);
        for (var shard = 0; shard < previous.Count; shard++)
        {
            output.Write(string.Create(CultureInfo.InvariantCulture,
                $"shard {shard}: site {site} priority {previous[shard]} -> {priority}{(priority == 0 ? " (never master)" : "")}\n"));
        }

        return ExitCodes.Success;
    }

    public static async Task<int> SyncAsync(OrleansRepClient client, TextWriter output, int site, int? shard, CancellationToken cancellationToken)
    {
        var started = await client.SyncAsync(site, shard, cancellationToken).ConfigureAwait(false);
        foreach (var (s, held) in started.OrderBy(p => p.Key))
        {
            output.Write(string.Create(CultureInfo.InvariantCulture,
                $"shard {s}: site {site} {(held ? "syncing with its master" : "had no sync held (a master, or live already)")}\n"));
        }

        return ExitCodes.Success;
    }

    /// <summary><c>orep sites priority ID PRIORITY</c>, a subcommand of <c>orep sites</c>.</summary>
    public static Command Priority()
    {
        var site = new Argument<int>("ID") { Description = "the site" };
        var priority = new Argument<int>("PRIORITY") { Description = "its election priority for every shard (0: never master)" };
        var command = new Command("priority", "change a site's election priority while the cluster runs (0: never master)") { site, priority };
        var cluster = ClusterArguments.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var id = parse.GetRequiredValue(site);
            var value = parse.GetRequiredValue(priority);
            if (id < 1 || value < 0)
            {
                throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"the site id must be positive and the priority 0 or more, not {id} and {value}"));
            }

            await using var client = await cluster.ConnectAsync(parse, ct).ConfigureAwait(false);
            return await PriorityAsync(client, Console.Out, id, value, ct).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary><c>orep sync --site N [--shard S]</c>.</summary>
    public static Command Sync()
    {
        var site = CommonOptions.AtLeast("--site", 1, "the site whose replicas should sync with their masters now");
        site.Required = true;
        var shard = new Option<int?>("--shard") { Description = "only this shard (default every shard)", HelpName = "S" };
        var command = new Command("sync", "have a site started with --delay-client-sync sync with its masters now (rep_sync)") { site, shard };
        var cluster = ClusterArguments.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            await using var client = await cluster.ConnectAsync(parse, ct).ConfigureAwait(false);
            return await SyncAsync(client, Console.Out, parse.GetValue(site), parse.GetValue(shard), ct).ConfigureAwait(false);
        });
        return command;
    }
}
