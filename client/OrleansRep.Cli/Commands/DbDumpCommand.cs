using System.CommandLine;
using OrleansRep.Cli.Output;
using OrleansRep.Storage;
using OrleansRep.Storage.Tools;

namespace OrleansRep.Cli.Commands;

/// <summary>
/// <c>orep db dump</c>: writes databases in Berkeley DB's <c>db_dump -p</c> text form, which <c>orep db load</c> and
/// <c>db5.3_load</c> read back. Everything comes from one snapshot, so a dump of several databases is consistent.
/// </summary>
internal static class DbDumpCommand
{
    public static Command Create()
    {
        var home = CommonOptions.Home();
        var database = CommonOptions.Database(required: false, "the database to dump");
        var all = new Option<bool>("--all") { Description = "dump every database, one header..DATA=END section each" };
        var file = new Option<string>("--file") { Description = "write to this file instead of stdout", HelpName = "FILE" };
        var command = new Command("dump", "write databases in Berkeley DB db_dump -p format") { home, database, all, file };
        command.SetAction(parse => Run(parse.GetRequiredValue(home), parse.GetValue(database), parse.GetValue(all), parse.GetValue(file)));
        return command;
    }

    private static int Run(string home, string? databaseName, bool all, string? file)
    {
        if (databaseName is null == !all)
        {
            throw new UsageException("give either --db NAME or --all");
        }

        using var env = EnvironmentHome.OpenExisting(home);
        using var snapshot = env.BeginRead();

        // Resolve every database before creating the output, so an unknown name leaves no file behind.
        var databases = (databaseName is null ? snapshot.DatabaseNames() : [databaseName])
            .Select(snapshot.OpenDatabase)
            .ToList();

        using var output = TextOutput.ForPath(file);
        var writer = new DumpWriter(output.Writer);
        foreach (var database in databases)
        {
            writer.WriteHeader(database.Name);
            var cursor = snapshot.OpenCursor(database);
            for (var more = cursor.First(); more; more = cursor.Next())
            {
                writer.WritePair(cursor.Key.Span, cursor.Value.Span);
            }

            writer.WriteFooter();
        }

        output.Commit();
        return ExitCodes.Success;
    }
}
