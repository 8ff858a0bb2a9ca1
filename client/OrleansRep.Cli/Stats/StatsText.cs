using System.Globalization;
using OrleansRep.Cli.Output;
using OrleansRep.Storage;

namespace OrleansRep.Cli.Stats;

/// <summary><see cref="StorageStats"/> as aligned, grouped text (orep db stat and the shell's stat).</summary>
internal static class StatsText
{
    public static void Write(TextWriter writer, string home, StorageStats stats, RecoveryReport recovery)
    {
        writer.Write($"environment {home}\n\ndata file\n");
        new AlignedText()
            .Add("page size", stats.PageSize)
            .Add("pages", stats.PageCount)
            .Add("free pages", stats.FreePages)
            .Add("data file bytes", stats.DataFileBytes)
            .Add("page reads", stats.PageReads)
            .Add("page writes", stats.PageWrites)
            .Add("cache hits", stats.CacheHits)
            .Add("cache misses", stats.CacheMisses)
            .Add("cache resident bytes", stats.CacheResidentBytes)
            .Add("cache evictions", stats.CacheEvictions)
            .WriteTo(writer, "  ");

        writer.Write("\nlog\n");
        new AlignedText()
            .Add("end", stats.LogEnd)
            .Add("durable to", stats.LogDurable)
            .Add("files", stats.LogFiles)
            .Add("bytes written", stats.LogBytesWritten)
            .Add("writes", stats.LogWrites)
            .Add("fsyncs", stats.FsyncCount)
            .Add("fsync p50/p99/max", string.Create(CultureInfo.InvariantCulture,
                $"{stats.FsyncP50Us:0} / {stats.FsyncP99Us:0} / {stats.FsyncMaxUs:0} us"))
            .WriteTo(writer, "  ");

        writer.Write("\ntransactions\n");
        new AlignedText()
            .Add("version", stats.Version)
            .Add("commits", stats.Commits)
            .Add("checkpoints", stats.Checkpoints)
            .Add("last checkpoint redo LSN", stats.LastCheckpointLsn)
            .Add("active readers", stats.ActiveReaders)
            .Add("write failed", stats.WriteFailed ? "YES: the environment refuses writes until reopened" : "no")
            .WriteTo(writer, "  ");

        writer.Write("\nrecovery at open\n");
        RecoveryReportText.Write(writer, recovery, "  ");

        writer.Write($"\ndatabases ({stats.Databases.Count})\n");
        WriteDatabases(writer, stats.Databases);
    }

    private static void WriteDatabases(TextWriter writer, IReadOnlyList<DatabaseStats> databases)
    {
        if (databases.Count == 0)
        {
            writer.Write("  (none)\n");
            return;
        }

        string[] header = ["name", "id", "entries", "depth", "leaves", "branches"];
        var rows = databases
            .Select(d => new[]
            {
                d.Name,
                d.Id.ToString(CultureInfo.InvariantCulture),
                d.Entries.ToString(CultureInfo.InvariantCulture),
                d.Depth.ToString(CultureInfo.InvariantCulture),
                d.LeafNodes.ToString(CultureInfo.InvariantCulture),
                d.BranchNodes.ToString(CultureInfo.InvariantCulture),
            })
            .Prepend(header)
            .ToList();
        var widths = Enumerable.Range(0, header.Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
        {
            writer.Write("  ");
            for (var c = 0; c < row.Length; c++)
            {
                // The name column reads best left-aligned, the numbers right-aligned.
                writer.Write(c == 0 ? row[c].PadRight(widths[c]) : row[c].PadLeft(widths[c]));
                writer.Write(c == row.Length - 1 ? "\n" : "  ");
            }
        }
    }
}
