using System.Globalization;
using System.Text;
using OrleansRep.Cli.Output;
using OrleansRep.Cli.Stats;
using OrleansRep.Storage;

namespace OrleansRep.Cli.Shell;

/// <summary>
/// The engine shell's interpreter: one line in, its answer out. A failing line prints <c>error: ...</c> on stderr and
/// the session goes on; <see cref="ExitCode"/> remembers the worst failure, so a piped script can tell it went wrong.
/// </summary>
internal sealed class ShellSession(StorageEnvironment env, TextWriter output, TextWriter error)
{
    public const int DefaultScanLimit = 100;

    private const string Help = """
        commands:
          put DB KEY VALUE            store VALUE under KEY (creates DB)
          get DB KEY                  print the value of KEY
          del DB KEY                  delete KEY
          scan DB [PREFIX] [--limit N] list pairs in key order (default limit 100)
          dbs                         list databases with their entry counts
          stat                        environment statistics
          checkpoint                  write a checkpoint
          help                        this text
          quit                        leave (also: exit, end of input)
        quote a token with spaces: "a b"; escapes: \\ backslash, \" quote, \xhh any byte
        """;

    public int ExitCode { get; private set; }

    /// <summary>Runs one line; false when it asks to quit.</summary>
    public bool Execute(string line)
    {
        try
        {
            var tokens = ShellTokenizer.Split(line);
            if (tokens.Count == 0 || tokens[0] is [(byte)'#', ..])
            {
                return true;
            }

            var args = tokens.Skip(1).ToList();
            switch (Text(tokens[0]))
            {
                case "put": Put(args); break;
                case "get": Get(args); break;
                case "del" or "delete": Delete(args); break;
                case "scan": Scan(args); break;
                case "dbs": Databases(args); break;
                case "stat": Stat(args); break;
                case "checkpoint": Checkpoint(args); break;
                case "help" or "?": output.Write(Help.ReplaceLineEndings("\n") + "\n"); break;
                case "quit" or "exit": return false;
                case var other: throw new UsageException($"unknown command \"{other}\"; type help");
            }
        }
        catch (Exception e) when (e is StorageException or UsageException or IOException or ArgumentException)
        {
            output.Flush();
            error.WriteLine($"error: {ErrorReporter.Describe(e)}");
            error.Flush();
            ExitCode = Math.Max(ExitCode, ErrorReporter.ExitCodeFor(e));
        }

        output.Flush();
        return true;
    }

    private void Put(List<byte[]> args)
    {
        Expect(args, 3, "put DB KEY VALUE");
        var txn = env.BeginWrite();
        try
        {
            var database = txn.OpenDatabase(Text(args[0]), create: true);
            txn.Put(database, args[1], args[2]);
            txn.Commit(Durability.Sync);
        }
        finally
        {
            txn.Dispose();
        }

        output.Write("ok\n");
    }

    private void Get(List<byte[]> args)
    {
        Expect(args, 2, "get DB KEY");
        using var read = env.BeginRead();
        var value = read.Get(read.OpenDatabase(Text(args[0])), args[1]);
        output.Write(value is null ? "(not found)\n" : ShellTokenizer.Quote(value) + "\n");
    }

    private void Delete(List<byte[]> args)
    {
        Expect(args, 2, "del DB KEY");
        bool deleted;
        var txn = env.BeginWrite();
        try
        {
            deleted = txn.Delete(txn.OpenDatabase(Text(args[0]), create: false), args[1]);
            txn.Commit(Durability.Sync);
        }
        finally
        {
            txn.Dispose();
        }

        output.Write(deleted ? "deleted\n" : "(not found)\n");
    }

    private void Scan(List<byte[]> args)
    {
        var limit = DefaultScanLimit;
        var positional = new List<byte[]>();
        for (var i = 0; i < args.Count; i++)
        {
            if (Text(args[i]) == "--limit")
            {
                if (i + 1 >= args.Count || !int.TryParse(Text(args[i + 1]), NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1)
                {
                    throw new UsageException("--limit needs a positive number");
                }

                i++;
            }
            else
            {
                positional.Add(args[i]);
            }
        }

        if (positional.Count is < 1 or > 2)
        {
            throw new UsageException("usage: scan DB [PREFIX] [--limit N]");
        }

        using var read = env.BeginRead();
        var cursor = read.OpenCursor(read.OpenDatabase(Text(positional[0])));
        var pairs = positional.Count == 2 ? cursor.Prefix(positional[1]) : cursor.Range(null, null);
        var shown = 0;
        var more = false;
        foreach (var (key, value) in pairs)
        {
            if (shown == limit)
            {
                more = true;
                break;
            }

            output.Write(ShellTokenizer.Quote(key.Span) + " " + ShellTokenizer.Quote(value.Span) + "\n");
            shown++;
        }

        output.Write(more ? $"({shown} pairs shown; more with --limit)\n" : $"({shown} pairs)\n");
    }

    private void Databases(List<byte[]> args)
    {
        Expect(args, 0, "dbs");
        var databases = env.GetStats().Databases;
        foreach (var db in databases)
        {
            output.Write(string.Create(CultureInfo.InvariantCulture, $"{db.Name}\t{db.Entries} entries\n"));
        }

        output.Write($"({databases.Count} databases)\n");
    }

    private void Stat(List<byte[]> args)
    {
        Expect(args, 0, "stat");
        StatsText.Write(output, Path.GetFullPath(env.Home), env.GetStats(), env.RecoveryReport);
    }

    private void Checkpoint(List<byte[]> args)
    {
        Expect(args, 0, "checkpoint");
        output.Write($"checkpoint written; redo LSN {env.Checkpoint()}\n");
    }

    private static void Expect(List<byte[]> args, int count, string usage)
    {
        if (args.Count != count)
        {
            throw new UsageException($"usage: {usage}");
        }
    }

    private static string Text(byte[] token) => Encoding.UTF8.GetString(token);
}
