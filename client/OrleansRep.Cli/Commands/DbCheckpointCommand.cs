using System.CommandLine;

namespace OrleansRep.Cli.Commands;

/// <summary><c>orep db checkpoint</c>: writes a checkpoint (Berkeley DB's db_checkpoint -1) and prints its redo LSN.</summary>
internal static class DbCheckpointCommand
{
    public static Command Create()
    {
        var home = CommonOptions.Home();
        var command = new Command("checkpoint", "write a checkpoint now and print its redo LSN") { home };
        command.SetAction(parse =>
        {
            using var env = EnvironmentHome.OpenExisting(parse.GetRequiredValue(home));
            var redo = env.Checkpoint();
            Console.Out.WriteLine($"checkpoint written; redo LSN {redo}");
            return ExitCodes.Success;
        });
        return command;
    }
}
