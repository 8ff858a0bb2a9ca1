using System.CommandLine;

namespace OrleansRep.Cli.Commands;

/// <summary><c>orep bench ...</c>: benchmarks that report in one JSON shape (see <see cref="Bench.BenchReport"/>).</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "benchmarks (compare with deploy/bench/engine-vs-bdb.sh and cluster-vs-bdb.sh)");
        bench.Subcommands.Add(BenchEngineCommand.Create());
        bench.Subcommands.Add(BenchRuntimeCommand.Create());
        bench.Subcommands.Add(BenchClusterCommand.Create());
        bench.Subcommands.Add(BenchFailoverCommand.Create());
        bench.Subcommands.Add(BenchPromoteCommand.Create());
        bench.Subcommands.Add(BenchCatchupCommand.Create());
        return bench;
    }
}
