using System.CommandLine;

namespace OrleansRep.Cli.Commands;

/// <summary>
/// <c>orep db archive</c>: the log files recovery no longer needs (Berkeley DB's db_archive), one name per line; with
/// <c>--remove</c> they are deleted (db_archive -d). Back them up first if you want catastrophic recovery.
/// </summary>
internal static class DbArchiveCommand
{
    public static Command Create()
    {
        var home = CommonOptions.Home();
        var remove = new Option<bool>("--remove") { Description = "delete the listed log files" };
        var command = new Command("archive", "list (or remove) log files no longer needed for recovery") { home, remove };
        command.SetAction(parse =>
        {
            using var env = EnvironmentHome.OpenExisting(parse.GetRequiredValue(home));
            var files = parse.GetValue(remove) ? env.RemoveArchivableLogFiles() : env.ArchivableLogFiles();
            foreach (var name in files)
            {
                Console.Out.WriteLine(name);
            }

            if (parse.GetValue(remove))
            {
                Console.Error.WriteLine($"removed {files.Count} log file(s)");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
