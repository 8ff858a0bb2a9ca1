using System.CommandLine;
using System.Globalization;
using OrleansRep.Client;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Cli.Cluster;

/// <summary>
/// How a cluster command finds the cluster: <c>--cluster HOST:PORT[,...]</c> (a port range "HOST:A-B" stands for each
/// port; default the local cluster, 127.0.0.1:30001-30003), <c>--secret-file</c> (default ./data/cluster.secret, the
/// local cluster's) and <c>--timeout</c> (how long to retry through elections). The command line is an operator
/// tool: it proves the cluster secret and claims every role.
/// </summary>
internal sealed class ClusterArguments
{
    public const string DefaultCluster = "127.0.0.1:30001-30003";

    private readonly Option<string> _cluster = new("--cluster")
    {
        Description = $"the sites' gateways, HOST:PORT[,...] (HOST:A-B for a port range; SITE=HOST:PORT to name the site); default {DefaultCluster}",
        HelpName = "HOST:PORT[,...]",
        DefaultValueFactory = _ => DefaultCluster,
    };

    private readonly Option<string> _secretFile = new("--secret-file")
    {
        Description = "the cluster secret (raw bytes or hex text); default ./data/cluster.secret",
        HelpName = "FILE",
        DefaultValueFactory = _ => Path.Combine("data", "cluster.secret"),
    };

    private readonly Option<int> _timeout = CommonOptions.AtLeast("--timeout", 1, "seconds to keep retrying through elections and lost sites (default 15)", 15);

    public static ClusterArguments AddTo(Command command)
    {
        var arguments = new ClusterArguments();
        command.Options.Add(arguments._cluster);
        command.Options.Add(arguments._secretFile);
        command.Options.Add(arguments._timeout);
        return arguments;
    }

    /// <summary>Expands "HOST:A-B" ranges; anything else is passed on for the client to check.</summary>
    /// <exception cref="UsageException">A range is malformed.</exception>
    public static IList<string> ParseGateways(string cluster)
    {
        var gateways = new List<string>();
        foreach (var entry in cluster.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = entry.LastIndexOf(':');
            var dash = entry.IndexOf('-', colon + 1);
            if (colon < 0 || dash < 0)
            {
                gateways.Add(entry);
                continue;
            }

            if (!int.TryParse(entry.AsSpan(colon + 1, dash - colon - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var first)
                || !int.TryParse(entry.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var last) || last < first || last - first >= 64)
            {
                throw new UsageException($"--cluster: '{entry}' is not HOST:PORT or HOST:FIRST-LAST (at most 64 ports)");
            }

            gateways.AddRange(Enumerable.Range(first, last - first + 1).Select(p => string.Create(CultureInfo.InvariantCulture, $"{entry[..colon]}:{p}")));
        }

        return gateways.Count > 0 ? gateways : throw new UsageException("--cluster lists no gateway");
    }

    public OrleansRepClientOptions ClientOptions(ParseResult parse)
    {
        var options = new OrleansRepClientOptions
        {
            Gateways = ParseGateways(parse.GetValue(_cluster)!),
            SecretFile = parse.GetValue(_secretFile)!,
            ClientId = "orep",
            Roles = ClientRoles.All,
            RetryDeadline = TimeSpan.FromSeconds(parse.GetValue(_timeout)),
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }

        return options;
    }

    /// <summary>Connects (to every gateway it can reach) with the options on the command line.</summary>
    public Task<OrleansRepClient> ConnectAsync(ParseResult parse, CancellationToken cancellationToken) =>
        OrleansRepClient.ConnectAsync(ClientOptions(parse), cancellationToken: cancellationToken);
}
