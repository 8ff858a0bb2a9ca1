using System.CommandLine;
using OrleansRep.Cli.Stats;

namespace OrleansRep.Cli.Commands;

/// <summary>
/// <c>orep db recover</c>: opens the environment, which runs recovery (Berkeley DB's db_recover), prints what it did,
/// then checkpoints so the next open has nothing to redo.
/// </summary>
internal static class DbRecoverCommand
{
    public static Command Create()
    {
        var home = CommonOptions.Home();
        var command = new Command("recover", "run recovery, print its report, checkpoint") { home };
        command.SetAction(parse =>
        {
            var path = parse.GetRequiredValue(home);
            using var env = EnvironmentHome.OpenExisting(path);
            Console.Out.Write($"recovered {Path.GetFullPath(path)}\n");
            RecoveryReportText.Write(Console.Out, env.RecoveryReport, "  ");
            var redo = env.Checkpoint();
            Console.Out.Write($"checkpoint written; redo LSN {redo}\n");
            return ExitCodes.Success;
        });
        return command;
    }
}
