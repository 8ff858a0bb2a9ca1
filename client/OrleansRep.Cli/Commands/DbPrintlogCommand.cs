using System.CommandLine;
using System.Globalization;
using OrleansRep.Cli.Output;
using OrleansRep.Storage;
using OrleansRep.Storage.Log;

namespace OrleansRep.Cli.Commands;

/// <summary>
/// <c>orep db printlog</c>: the write-ahead log one record per line (Berkeley DB's db_printlog), with a summary of the
/// operations in Ops/Commit records and, with <c>--verbose</c>, one indented line per operation.
/// </summary>
internal static class DbPrintlogCommand
{
    public static Command Create()
    {
        var home = CommonOptions.Home();
        var from = new Option<string>("--from") { Description = "start at the first record at or after this LSN ([file][offset] or file/offset)", HelpName = "LSN" };
        var count = CommonOptions.AtLeast("--count", 1, "print at most this many records");
        var verbose = new Option<bool>("--verbose", "-v") { Description = "print every operation of Ops/Commit records" };
        var command = new Command("printlog", "print the write-ahead log, one record per line") { home, from, count, verbose };
        command.SetAction(parse => Run(
            parse.GetRequiredValue(home),
            ParseLsn(parse.GetValue(from)),
            parse.GetResult(count) is null ? long.MaxValue : parse.GetValue(count),
            parse.GetValue(verbose)));
        return command;
    }

    private static Lsn ParseLsn(string? text)
    {
        if (text is null)
        {
            return Lsn.Zero;
        }

        return Lsn.TryParse(text, out var lsn)
            ? lsn
            : throw new UsageException($"--from {text} is not an LSN; write it as [file][offset] or file/offset, e.g. [1][32]");
    }

    private static int Run(string home, Lsn from, long count, bool verbose)
    {
        using var env = EnvironmentHome.OpenExisting(home);
        using var log = env.OpenLogReader();
        using var output = TextOutput.StandardOutput();
        var writer = output.Writer;
        long printed = 0;
        foreach (var record in log.Forward(StartOf(log, from)))
        {
            if (record.Lsn < from)
            {
                continue;
            }

            if (printed++ == count)
            {
                break;
            }

            WriteRecord(writer, record, verbose, home);
        }

        output.Commit();
        return ExitCodes.Success;
    }

    /// <summary>
    /// Where to start reading: the start of <paramref name="from"/>'s file. An arbitrary offset is usually not a record
    /// boundary, and reading there would look like corruption; records before <paramref name="from"/> are skipped.
    /// </summary>
    private static Lsn StartOf(LogReader log, Lsn from)
    {
        var files = log.Files();
        if (from.IsZero || files.Count == 0 || from.File < files[0])
        {
            return Lsn.Zero;
        }

        return new Lsn(from.File, LogFormat.FileHeaderSize);
    }

    private static void WriteRecord(TextWriter writer, LogRecord record, bool verbose, string home)
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{record.Lsn,-18} {record.Type,-10} txn={record.TxnId,-8} prev={record.PrevLsn,-18} len={record.Length,-7}");
        if (record.Type is not (LogRecordType.Ops or LogRecordType.Commit))
        {
            writer.Write(line.TrimEnd());
            writer.Write('\n');
            return;
        }

        List<TxnOp> ops;
        try
        {
            ops = TxnOp.DecodeAll(record.Payload);
        }
        catch (FormatException e)
        {
            // The record's checksum matched, so a payload that does not decode was written wrong: damage, not a torn tail.
            throw new CorruptionException(Path.Combine(home, LogFormat.FileName(record.Lsn.File)), record.Lsn.Offset, e.Message);
        }

        writer.Write(line);
        writer.Write(Summary(ops));
        writer.Write('\n');
        if (verbose)
        {
            foreach (var op in ops)
            {
                writer.Write("    ");
                writer.Write(Describe(op));
                writer.Write('\n');
            }
        }
    }

    /// <summary>"ops=3 (put 2, delete 1)".</summary>
    private static string Summary(List<TxnOp> ops)
    {
        var kinds = ops.GroupBy(op => op.Kind).OrderBy(g => g.Key).Select(g => $"{KindName(g.Key)} {g.Count()}");
        return ops.Count == 0 ? "ops=0" : $"ops={ops.Count} ({string.Join(", ", kinds)})";
    }

    private static string Describe(TxnOp op) => op.Kind switch
    {
        TxnOpKind.Put => string.Create(CultureInfo.InvariantCulture,
            $"put    db={op.DatabaseId} key={ByteText.Describe(op.Key.Span)} value={op.NewValue.Length} bytes{(op.OldValue is { } old ? $" (was {old.Length} bytes)" : " (new)")}"),
        TxnOpKind.Delete => string.Create(CultureInfo.InvariantCulture,
            $"delete db={op.DatabaseId} key={ByteText.Describe(op.Key.Span)} (was {op.OldValue?.Length ?? 0} bytes)"),
        TxnOpKind.CreateDatabase => string.Create(CultureInfo.InvariantCulture, $"create db={op.DatabaseId} name={ByteText.Describe(op.Key.Span)}"),
        TxnOpKind.DropDatabase => string.Create(CultureInfo.InvariantCulture, $"drop   db={op.DatabaseId} name={ByteText.Describe(op.Key.Span)}"),
        _ => $"unknown kind {(byte)op.Kind}",
    };

    private static string KindName(TxnOpKind kind) => kind switch
    {
        TxnOpKind.Put => "put",
        TxnOpKind.Delete => "delete",
        TxnOpKind.CreateDatabase => "create",
        TxnOpKind.DropDatabase => "drop",
        _ => kind.ToString(),
    };
}
