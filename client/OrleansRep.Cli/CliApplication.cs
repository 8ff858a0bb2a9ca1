using System.CommandLine;
using OrleansRep.Cli.Cluster;
using OrleansRep.Cli.Commands;

namespace OrleansRep.Cli;

/// <summary>
/// The <c>orep</c> command tree and the one place where errors become exit codes: parse errors are usage
/// (<see cref="ExitCodes.BadInput"/>), and whatever a command throws is reported by <see cref="ErrorReporter"/>.
/// </summary>
internal static class CliApplication
{
    public static RootCommand BuildRootCommand()
    {
        var root = new RootCommand("orep: the OrleansRep command line (cluster data and admin commands, offline storage utilities, an engine shell, the replication simulator)");
        foreach (var command in ClusterCommands.Create().Concat(AdminCommands.Create()))
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(DbCommand.Create());
        root.Subcommands.Add(ShellCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(SimCommand.Create());
        root.Subcommands.Add(BackupCommand.Create());
        root.Subcommands.Add(RestoreCommand.Create());
        root.Subcommands.Add(BanCommands.Ban());
        root.Subcommands.Add(BanCommands.Unban());
        return root;
    }

    /// <summary>How long a command has, after Ctrl-C or SIGTERM, to clean up before the process ends anyway.</summary>
    public static readonly TimeSpan InterruptCleanupTimeout = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(string[] args)
    {
        var parse = BuildRootCommand().Parse(args);
        if (parse.Errors.Count > 0)
        {
            // System.CommandLine would print every error plus the whole help text; one line says more.
            var messages = string.Join("; ", parse.Errors.Select(e => e.Message).Distinct(StringComparer.Ordinal));
            Console.Error.WriteLine($"orep: error: {messages} (see '{CommandPath(parse.CommandResult.Command, parse)} --help')");
            return ExitCodes.BadInput;
        }

        try
        {
            // Ctrl-C / SIGTERM cancel the command's token; System.CommandLine then ends the process with 130 after its
            // ProcessTerminationTimeout (2 s by default) whether or not the command finished. A bench's clean-up (kill its
            // silo processes, delete their data) can take longer on a loaded machine: CI once saw the data left behind.
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = InterruptCleanupTimeout }).ConfigureAwait(false);
        }
        catch (Exception e) when (ErrorReporter.IsReportable(e))
        {
            return ErrorReporter.Report(e, Console.Error);
        }
    }

    private static string CommandPath(Command command, ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.GetResult(command) as System.CommandLine.Parsing.SymbolResult; result is not null; result = result.Parent)
        {
            if (result is System.CommandLine.Parsing.CommandResult c)
            {
                names.Add(c.Command is RootCommand ? "orep" : c.Command.Name);
            }
        }

        names.Reverse();
        return names.Count == 0 ? "orep" : string.Join(' ', names);
    }
}
