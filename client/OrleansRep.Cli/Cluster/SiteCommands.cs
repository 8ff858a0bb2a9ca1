using System.CommandLine;
using System.Globalization;
using OrleansRep.Client;

namespace OrleansRep.Cli.Cluster;

/// <summary>
/// <c>orep sites add ID=HOST:PORT [--priority P]</c> and <c>orep sites remove ID</c>: membership changes while the
/// cluster runs. HOST:PORT is the new site's site-to-site endpoint (its <c>--site-endpoint</c>, the address in its
/// <c>--sites</c> entry), not its client gateway. Each prints one line once every shard's master committed the change;
/// a refused change (bad endpoint, an id that is a member elsewhere, not a member, a shard's master) exits 1 and
/// changes nothing.
/// </summary>
internal static class SiteCommands
{
    public static async Task<int> AddAsync(OrleansRepClient client, TextWriter output, string site, int priority, CancellationToken cancellationToken)
    {
        var (id, endPoint) = ParseSite(site);
        await client.AddSiteAsync(id, endPoint, priority, cancellationToken).ConfigureAwait(false);
        output.Write(string.Create(CultureInfo.InvariantCulture, $"site {id} added at {endPoint} (priority {priority}) to every shard's group\n"));
        return ExitCodes.Success;
    }

    public static async Task<int> RemoveAsync(OrleansRepClient client, TextWriter output, int site, CancellationToken cancellationToken)
    {
        await client.RemoveSiteAsync(site, cancellationToken).ConfigureAwait(false);
        output.Write(string.Create(CultureInfo.InvariantCulture, $"site {site} removed from every shard's group\n"));
        return ExitCodes.Success;
    }

    /// <summary>"ID=HOST:PORT" → (id, "HOST:PORT"); the endpoint itself is checked by the client.</summary>
    /// <exception cref="UsageException">Not of that form.</exception>
    public static (int Id, string EndPoint) ParseSite(string text)
    {
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        return eq > 0 && int.TryParse(text.AsSpan(0, eq), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 && eq < text.Length - 1
            ? (id, text[(eq + 1)..])
            : throw new UsageException($"'{text}' is not ID=HOST:PORT (a positive site id and the site's site-to-site endpoint, e.g. 4=127.0.0.1:11114)");
    }

    public static Command Add()
    {
        var site = new Argument<string>("ID=HOST:PORT") { Description = "the new site's id and site-to-site endpoint" };
        var priority = CommonOptions.AtLeast("--priority", 0, "its election priority (0: never master; default 100)", 100);
        var command = new Command("add", "add a site to every shard's group (start its silo with --join)") { site, priority };
        var cluster = ClusterArguments.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            await using var client = await cluster.ConnectAsync(parse, ct).ConfigureAwait(false);
            return await AddAsync(client, Console.Out, parse.GetRequiredValue(site), parse.GetValue(priority), ct).ConfigureAwait(false);
        });
        return command;
    }

    public static Command Remove()
    {
        var site = new Argument<int>("ID") { Description = "the site to remove (not a shard's master: hand over first)" };
        var command = new Command("remove", "remove a site from every shard's group; its replicas stop serving") { site };
        var cluster = ClusterArguments.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            await using var client = await cluster.ConnectAsync(parse, ct).ConfigureAwait(false);
            return await RemoveAsync(client, Console.Out, parse.GetRequiredValue(site), ct).ConfigureAwait(false);
        });
        return command;
    }
}
