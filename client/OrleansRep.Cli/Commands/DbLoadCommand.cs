using System.CommandLine;
using System.Globalization;
using OrleansRep.Cli.Load;
using OrleansRep.Storage;
using OrleansRep.Storage.Tools;

namespace OrleansRep.Cli.Commands;

/// <summary>
/// <c>orep db load</c>: reads a Berkeley DB dump (<c>db_dump</c> or <c>db_dump -p</c>) and puts its pairs, creating the
/// database when needed. The whole dump is checked before the first write, so a malformed one changes nothing; then
/// it loads in transactions of <c>--batch</c> pairs and makes the log durable once at the end.
/// </summary>
internal static class DbLoadCommand
{
    public static Command Create()
    {
        var home = CommonOptions.Home();
        var database = CommonOptions.Database(required: false,
            "the database to load into (default: the database= name in the dump; every section of a multi-database dump goes to its own)");
        var file = new Option<string>("--file") { Description = "read the dump from this file instead of stdin", HelpName = "FILE" };
        var batch = CommonOptions.AtLeast("--batch", 1, "pairs per transaction", defaultValue: 10_000);
        var command = new Command("load", "load a Berkeley DB dump into databases (creating them)") { home, database, file, batch };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetRequiredValue(home), parse.GetValue(database), parse.GetValue(file), parse.GetValue(batch), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string home, string? databaseName, string? file, int batch, CancellationToken cancellationToken)
    {
        using var input = await DumpInput.OpenAsync(file, cancellationToken).ConfigureAwait(false);
        var progress = new LoadProgress(Console.Error, enabled: !Console.IsErrorRedirected);

        // Check with the limits the environment will have (its orep.conf included) before opening it, so that a bad
        // dump does not even create a new home.
        progress.Begin("checking", 0);
        List<LoadSection> sections;
        try
        {
            sections = DumpCheck.Run(input, databaseName, new StorageOptions().WithConfigFile(home), progress);
        }
        finally
        {
            progress.Clear();
        }

        using var env = EnvironmentHome.OpenOrCreate(home);
        progress.Begin("loading", sections.Sum(s => s.Pairs));
        try
        {
            Load(env, input, sections, batch, progress, cancellationToken);
        }
        finally
        {
            progress.Clear();
        }

        var elapsed = progress.Elapsed;
        var names = string.Join(", ", sections.Select(s => s.Target).Distinct(StringComparer.Ordinal));
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"loaded {progress.Pairs} pairs ({LoadProgress.Megabytes(progress.Bytes)} MB) into {names} in {elapsed.TotalSeconds:0.0} s ({LoadProgress.Rate(progress.Pairs, elapsed)} pairs/s)"));
        return ExitCodes.Success;
    }

    private static void Load(StorageEnvironment env, DumpInput input, List<LoadSection> sections, int batch, LoadProgress progress, CancellationToken cancellationToken)
    {
        using var text = input.OpenReader();
        var reader = new DumpReader(text);
        foreach (var section in sections)
        {
            if (section.Number > 1 && !reader.TryReadNextDatabase())
            {
                throw new IOException($"{input.DisplayName} changed while it was being loaded (section {section.Number} is gone)");
            }

            var txn = env.BeginWrite();
            try
            {
                // Created inside the first transaction, so even an empty section leaves its database behind.
                var database = txn.OpenDatabase(section.Target, create: true);
                var inTxn = 0;
                while (reader.TryReadPair(out var key, out var value))
                {
                    txn.Put(database, key, value);
                    progress.Advance(1, key.Length + value.Length);
                    if (++inTxn == batch)
                    {
                        // NoSync: the log is fsynced once at the end; a crash mid-load means loading again anyway.
                        txn.Commit(Durability.NoSync);
                        cancellationToken.ThrowIfCancellationRequested();
                        txn = env.BeginWrite();
                        inTxn = 0;
                    }
                }

                txn.Commit(Durability.NoSync);
            }
            finally
            {
                txn.Dispose();
            }
        }

        env.Flush();
    }
}
