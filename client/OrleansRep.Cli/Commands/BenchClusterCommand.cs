using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrleansRep.Cli.Bench;
using OrleansRep.Cli.Cluster;
using OrleansRep.Cli.LocalSites;
using OrleansRep.Client;
using OrleansRep.Replication;

namespace OrleansRep.Cli.Commands;

/// <summary>
/// <c>orep bench cluster [--cluster HOST:PORT,...] [--secret-file F] [--json] [--clients N] [--durability P]
/// [--duration S] [--quick]</c>: replicated commit and read throughput and latency (see <see cref="ClusterBenchmark"/>)
/// against a running cluster, or, without <c>--cluster</c>, against three silo processes it starts in a temporary
/// directory and stops afterwards. Exits 1 when a phase had errors other than PERM_FAILED.
/// </summary>
internal static class BenchClusterCommand
{
    public static Command Create()
    {
        var cluster = new Option<string?>("--cluster")
        {
            Description = "bench a running cluster, HOST:PORT[,...] (HOST:A-B for a port range); default: start 3 local silo processes for the run",
            HelpName = "HOST:PORT[,...]",
        };
        var secretFile = new Option<string?>("--secret-file")
        {
            Description = "with --cluster: the cluster secret (default ./data/cluster.secret)",
            HelpName = "FILE",
        };
        var json = new Option<bool>("--json") { Description = "print one JSON line with every phase (progress goes to stderr)" };
        var clients = CommonOptions.AtLeast("--clients", 1, "client connections the callers share (default 1)", 1);
        var durability = new Option<AckPolicy>("--durability")
        {
            Description = "ack policy of the commit phases: None, One, OnePeer, Quorum (default), AllPeers, AllAvailable, All",
            HelpName = "POLICY",
            DefaultValueFactory = _ => AckPolicy.Quorum,
        };
        var duration = CommonOptions.AtLeast("--duration", 1, "measured seconds per phase (default 10; 2 with --quick)");
        var quick = new Option<bool>("--quick") { Description = "short phases (2 s), for a fast check" };
        var command = new Command("cluster", "replicated commits (1 and 64 callers) and reads (master, any replica) on a cluster of silo processes")
        {
            cluster, secretFile, json, clients, durability, duration, quick,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var asJson = parse.GetValue(json);
            var progress = asJson ? Console.Error : Console.Out;
            var seconds = parse.GetValue(duration) is > 0 and var given ? given : parse.GetValue(quick) ? 2 : 10;
            var options = new ClusterBenchOptions
            {
                Clients = parse.GetValue(clients),
                Durability = parse.GetValue(durability),
                Duration = TimeSpan.FromSeconds(seconds),
            };
            var gateways = parse.GetValue(cluster) is { } list ? ClusterArguments.ParseGateways(list) : null;
            if (gateways is null && parse.GetValue(secretFile) is not null)
            {
                throw new UsageException("--secret-file goes with --cluster (a cluster orep starts has its own secret)");
            }

            var phases = await RunAsync(gateways, parse.GetValue(secretFile), options, progress, cancellationToken).ConfigureAwait(false);
            var peakRss = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0, 1);
            if (asJson)
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(new BenchReport(phases, peakRss), BenchJsonContext.Default.BenchReport)).ConfigureAwait(false);
            }
            else
            {
                WriteTable(Console.Out, phases);
                await Console.Out.WriteLineAsync($"peak resident memory of orep {peakRss:F0} MiB").ConfigureAwait(false);
            }

            return phases.Any(p => p.Errors > 0) ? ExitCodes.Failure : ExitCodes.Success;
        });
        return command;
    }

    private static async Task<IReadOnlyList<BenchPhase>> RunAsync(
        IList<string>? gateways, string? secretFile, ClusterBenchOptions options, TextWriter progress, CancellationToken cancellationToken)
    {
        LocalSiteCluster? local = null;
        var connected = new List<OrleansRepClient>();
        try
        {
            if (gateways is null)
            {
                local = await LocalSiteCluster.StartAsync(new LocalSiteClusterOptions { ExtraSiloArguments = LocalSiteClusterOptions.LenientFailureDetection }, progress, cancellationToken).ConfigureAwait(false);
            }

            var clientOptions = new OrleansRepClientOptions
            {
                Gateways = gateways ?? local!.Gateways,
                SecretFile = secretFile ?? local?.SecretFile ?? Path.Combine("data", "cluster.secret"),
                ClientId = "orep-bench",
                Roles = Runtime.Transport.ClientRoles.Read | Runtime.Transport.ClientRoles.Write,
            };
            try
            {
                clientOptions.Validate();
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }

            for (var i = 0; i < options.Clients; i++)
            {
                connected.Add(await OrleansRepClient.ConnectAsync(clientOptions, cancellationToken: cancellationToken).ConfigureAwait(false));
            }

            return await new ClusterBenchmark(connected, options, progress).RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var client in connected)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }

            if (local is not null)
            {
                progress.WriteLine("stopping the silo processes");
                await local.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static void WriteTable(TextWriter output, IReadOnlyList<BenchPhase> phases)
    {
        static string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
        Table.Write(output, ["phase", "ops", "ops/s", "p50 us", "p99 us", "p999 us", "perm_failed", "errors"], phases.Select(p => new[]
        {
            p.Name, N(p.Ops), N(p.OpsPerSec), N(p.P50Us), N(p.P99Us), N(p.P999Us ?? 0), N(p.PermFailed ?? 0), N(p.Errors ?? 0),
        }));
    }
}
