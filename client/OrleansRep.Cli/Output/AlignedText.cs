namespace OrleansRep.Cli.Output;

/// <summary>Label/value lines with the values lined up in one column, for the human-readable reports.</summary>
internal sealed class AlignedText
{
    private readonly List<(string Label, string Value)> _rows = [];

    public AlignedText Add(string label, object? value)
    {
        _rows.Add((label, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "-"));
        return this;
    }

    public void WriteTo(TextWriter writer, string indent = "")
    {
        var width = _rows.Count == 0 ? 0 : _rows.Max(r => r.Label.Length);
        foreach (var (label, value) in _rows)
        {
            writer.Write(indent);
            writer.Write(label.PadRight(width + 2));
            writer.Write(value);
            writer.Write('\n');
        }
    }
}
