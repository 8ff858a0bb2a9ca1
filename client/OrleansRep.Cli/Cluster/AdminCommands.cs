using System.CommandLine;
using System.Globalization;
using OrleansRep.Client;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Storage;

namespace OrleansRep.Cli.Cluster;

/// <summary>
/// The cluster admin commands: <c>status [--json]</c> (sites × shards: role, gen, LSN, lag), <c>watch [--recent]
/// [--count N]</c> (events as they happen, one line each, until Ctrl-C), <c>elect --shard S [--site N]</c>,
/// <c>sites list</c> (the group as the sites record it, added sites too), <c>sites add</c>/<c>remove</c>
/// (<see cref="SiteCommands"/>). A status with unreachable sites still prints (they show as unhealthy) and exits 1.
/// </summary>
internal static class AdminCommands
{
    public static IEnumerable<Command> Create() => [Status(), Watch(), Elect(), Sites(), RoleChangeCommands.Promote(), RoleChangeCommands.Handover(), SyncCommands.Sync()];

    public static async Task<int> StatusAsync(OrleansRepClient client, TextWriter text, Stream? json, CancellationToken cancellationToken)
    {
        var status = await client.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        var recovery = await client.GetRecoveryViewsAsync(cancellationToken).ConfigureAwait(false);
        if (json is not null)
        {
            StatusJson.Write(json, status, recovery);
        }
        else
        {
            StatusText.Write(text, status, recovery);
        }

        return status.Sites.All(s => s.Healthy) ? ExitCodes.Success : ExitCodes.Failure;
    }

    public static async Task<int> WatchAsync(OrleansRepClient client, TextWriter output, bool recent, int count, CancellationToken cancellationToken)
    {
        var seen = 0;
        await foreach (var e in client.WatchEventsAsync(recent, cancellationToken).ConfigureAwait(false))
        {
            output.Write(Line(e) + "\n");
            output.Flush();
            if (++seen >= count)
            {
                break;
            }
        }

        return ExitCodes.Success;
    }

    public static string Line(SiteEvent e) => string.Create(CultureInfo.InvariantCulture,
        $"{e.Time.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ} site {e.Site} shard {e.Shard} {EventNames.Of(e.Kind)} gen {e.Gen}{(e.About != 0 ? $" site {e.About}" : "")} lsn {Lsn.FromUInt64(e.Lsn)}");

    public static async Task<int> ElectAsync(OrleansRepClient client, TextWriter output, int shard, int? site, CancellationToken cancellationToken)
    {
        var from = await client.ElectAsync(shard, site, cancellationToken).ConfigureAwait(false);
        output.Write(string.Create(CultureInfo.InvariantCulture, $"election for shard {shard} called from site {from}\n"));
        return ExitCodes.Success;
    }

    public static async Task<int> SitesListAsync(OrleansRepClient client, TextWriter output, CancellationToken cancellationToken)
    {
        var status = await client.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        var ids = status.Members.Select(m => m.Site).Union(status.Sites.Select(s => s.Site)).Order();
        Table.Write(output, ["SITE", "PRIORITY", "GATEWAY", "HEALTHY"], ids.Select(id =>
        {
            var member = status.Members.FirstOrDefault(m => m.Site == id);
            var report = status.Sites.FirstOrDefault(s => s.Site == id);
            return new[] { id.ToString(CultureInfo.InvariantCulture), member?.Priority.ToString(CultureInfo.InvariantCulture) ?? "-", report?.Gateway ?? "-", report?.Healthy == true ? "yes" : "no" };
        }));
        return status.Sites.Any(s => s.Healthy) ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static Command Status()
    {
        var json = new Option<bool>("--json") { Description = "print one JSON object: {\"sites\":[...],\"shards\":[...],\"members\":[...]}" };
        var command = new Command("status", "the cluster's sites and every shard's replicas: role, gen, LSN, lag") { json };
        var cluster = ClusterArguments.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            await using var client = await cluster.ConnectAsync(parse, ct).ConfigureAwait(false);
            await using var stdout = Console.OpenStandardOutput();
            return await StatusAsync(client, Console.Out, parse.GetValue(json) ? stdout : null, ct).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Watch()
    {
        var recent = new Option<bool>("--recent") { Description = "start with the events the sites still hold" };
        var count = CommonOptions.AtLeast("--count", 1, "stop after N events (default: run until Ctrl-C)", int.MaxValue);
        var command = new Command("watch", "print the sites' events (NEWMASTER, ELECTED, PERM_FAILED, STARTUPDONE, ...) as they happen") { recent, count };
        var cluster = ClusterArguments.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            await using var client = await cluster.ConnectAsync(parse, ct).ConfigureAwait(false);
            try
            {
                return await WatchAsync(client, Console.Out, parse.GetValue(recent), parse.GetValue(count), ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return ExitCodes.Success;
            }
        });
        return command;
    }

    private static Command Elect()
    {
        var shard = CommonOptions.AtLeast("--shard", 0, "the shard to elect a master for");
        shard.Required = true;
        var site = new Option<int?>("--site") { Description = "the site to call the election from (default: any that answers)", HelpName = "N" };
        var command = new Command("elect", "hold an election for a shard now") { shard, site };
        var cluster = ClusterArguments.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            await using var client = await cluster.ConnectAsync(parse, ct).ConfigureAwait(false);
            return await ElectAsync(client, Console.Out, parse.GetValue(shard), parse.GetValue(site), ct).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Sites()
    {
        var list = new Command("list", "the group's sites: priority, gateway, whether they answer");
        var cluster = ClusterArguments.AddTo(list);
        list.SetAction(async (parse, ct) =>
        {
            await using var client = await cluster.ConnectAsync(parse, ct).ConfigureAwait(false);
            return await SitesListAsync(client, Console.Out, ct).ConfigureAwait(false);
        });
        return new Command("sites", "the cluster's sites: list, add, remove, priority") { list, SiteCommands.Add(), SiteCommands.Remove(), SyncCommands.Priority() };
    }
}
