namespace OrleansRep.Cli.Cluster;

/// <summary>Rows under a header, each column as wide as its widest cell, two spaces apart.</summary>
internal static class Table
{
    public static void Write(TextWriter writer, string[] header, IEnumerable<string[]> rows)
    {
        var all = rows.Prepend(header).ToList();
        var widths = header.Select((_, i) => all.Max(r => r[i].Length)).ToArray();
        foreach (var row in all)
        {
            writer.Write(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))));
            writer.Write('\n');
        }
    }
}
