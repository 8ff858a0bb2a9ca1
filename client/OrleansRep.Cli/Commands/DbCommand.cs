using System.CommandLine;

namespace OrleansRep.Cli.Commands;

/// <summary><c>orep db ...</c>: the offline utilities, after Berkeley DB's db_dump, db_load, db_printlog, db_stat, ...</summary>
internal static class DbCommand
{
    public static Command Create()
    {
        var db = new Command("db", "offline utilities for one environment (the home must not be open elsewhere)");
        db.Subcommands.Add(DbDumpCommand.Create());
        db.Subcommands.Add(DbLoadCommand.Create());
        db.Subcommands.Add(DbPrintlogCommand.Create());
        db.Subcommands.Add(DbStatCommand.Create());
        db.Subcommands.Add(DbCheckpointCommand.Create());
        db.Subcommands.Add(DbArchiveCommand.Create());
        db.Subcommands.Add(DbRecoverCommand.Create());
        db.Subcommands.Add(DbStressCommand.Create());
        db.Subcommands.Add(DbVerifyCommand.Create());
        return db;
    }
}
