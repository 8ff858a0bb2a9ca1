using System.CommandLine;
using System.Globalization;
using OrleansRep.Storage.Backup;

namespace OrleansRep.Cli.Commands;

/// <summary>
/// <c>orep restore --from DIR --home DIR</c>: prepares a home from a backup, offline. The home must be absent or empty
/// (else exit 2, nothing written); the manifest and every file's length and CRC32C are checked (a missing, damaged or
/// incomplete backup: exit 3, the home left as it was); each environment is opened once, which runs recovery, and what
/// it restored is printed. For a site backup the home is the site's directory (<c>site-N</c>: <c>site</c>,
/// <c>shard-0</c>, ...); check each environment with <c>orep db verify --home HOME/NAME</c>.
/// </summary>
internal static class RestoreCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "the backup directory (it holds orep-backup.manifest)", HelpName = "DIR", Required = true };
        var home = new Option<string>("--home") { Description = "the home to fill: absent or empty", HelpName = "DIR", Required = true };
        var command = new Command("restore", "prepare a home from a backup (offline): check it, copy it, run recovery") { from, home };
        command.SetAction((parse, ct) => Task.FromResult(Run(parse.GetRequiredValue(from), parse.GetRequiredValue(home), Console.Out, Console.Error, ct)));
        return command;
    }

    public static int Run(string from, string home, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(from))
        {
            error.WriteLine($"orep: error: the backup directory {from} does not exist");
            return ExitCodes.BadInput;
        }

        IReadOnlyList<RestoredEnvironment> restored;
        BackupManifest manifest;
        try
        {
            manifest = BackupManifest.Read(from);
            restored = BackupRestore.Run(from, home, cancellationToken: cancellationToken);
        }
        catch (BackupTargetException e)
        {
            error.WriteLine($"orep: error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (BackupManifestException e)
        {
            error.WriteLine($"orep: error: {e.Message}");
            return ExitCodes.Corruption;
        }

        output.Write(string.Create(CultureInfo.InvariantCulture,
            $"restored {Path.GetFullPath(from)} ({manifest.Source}, taken {manifest.Created.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}) into {Path.GetFullPath(home)}\n"));
        foreach (var env in restored)
        {
            output.Write(string.Create(CultureInfo.InvariantCulture,
                $"  {env.Name}: {env.Bytes} bytes, recovery from {env.RedoFrom} to {env.LogEnd}, {env.CommitsReplayed} commits replayed, databases: {string.Join(", ", env.Databases)}\n"));
        }

        output.Write($"check with: {string.Join(" && ", restored.Select(e => $"orep db verify --home {e.Home}"))}\n");
        return ExitCodes.Success;
    }
}
