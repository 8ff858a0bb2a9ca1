using System.CommandLine;
using System.Text.Json;
using OrleansRep.Cli.Output;
using OrleansRep.Cli.Stats;

namespace OrleansRep.Cli.Commands;

/// <summary><c>orep db stat</c>: the environment's statistics and recovery report, as aligned text or one JSON object.</summary>
internal static class DbStatCommand
{
    public static Command Create()
    {
        var home = CommonOptions.Home();
        var json = new Option<bool>("--json") { Description = "print one JSON object instead of text" };
        var command = new Command("stat", "print environment statistics (db_stat)") { home, json };
        command.SetAction(parse => Run(parse.GetRequiredValue(home), parse.GetValue(json)));
        return command;
    }

    private static int Run(string home, bool json)
    {
        using var env = EnvironmentHome.OpenExisting(home);
        var stats = env.GetStats();
        using var output = TextOutput.StandardOutput();
        if (json)
        {
            output.Writer.Write(JsonSerializer.Serialize(new StatDocument(Path.GetFullPath(home), stats, env.RecoveryReport), StatJsonContext.Default.StatDocument));
            output.Writer.Write('\n');
        }
        else
        {
            StatsText.Write(output.Writer, Path.GetFullPath(home), stats, env.RecoveryReport);
        }

        output.Commit();
        return ExitCodes.Success;
    }
}
