using System.Text;

namespace OrleansRep.Simulation.Scenarios;

/// <summary>One command of a scenario and the output expected of it (etcd/raft's datadriven layout).</summary>
public sealed record ScenarioBlock(int Line, IReadOnlyList<string> Comments, string Command, IReadOnlyList<string>? Expected);

/// <summary>
/// A scenario script: blocks of a command line, a <c>----</c> line and the expected output lines, ended by a blank
/// line. Lines starting with <c>#</c> are comments, kept when the file is rewritten. A first line
/// <c># pending</c> (optionally <c># pending: why</c>) marks a script whose expected trace is not known to be right yet:
/// the test suite reports it skipped instead of running it.
/// <code>
/// sites 3 priorities 100 100 0
/// ----
/// 3 sites: site1 prio 100, site2 prio 100, site3 prio 0; ack Quorum
///
/// start 1 master
/// ----
/// site1 command start master
/// site1 event MASTER gen 1
/// </code>
/// </summary>
public sealed class ScenarioScript
{
    public const string Separator = "----";
    public const string PendingMarker = "# pending";

    private ScenarioScript(string name, string? pending, IReadOnlyList<ScenarioBlock> blocks, IReadOnlyList<string> trailingComments)
    {
        Name = name;
        Pending = pending;
        Blocks = blocks;
        TrailingComments = trailingComments;
    }

    public string Name { get; }

    /// <summary>Why the script is pending, or null when it runs.</summary>
    public string? Pending { get; }

    public bool IsPending => Pending is not null;

    public IReadOnlyList<ScenarioBlock> Blocks { get; }

    public IReadOnlyList<string> TrailingComments { get; }

    public static ScenarioScript Parse(string name, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        string? pending = null;
        if (lines.Length > 0 && lines[0].StartsWith(PendingMarker, StringComparison.Ordinal))
        {
            var rest = lines[0][PendingMarker.Length..].TrimStart(':', ' ');
            pending = rest.Length == 0 ? "pending" : rest;
        }

        var blocks = new List<ScenarioBlock>();
        var comments = new List<string>();
        var i = 0;
        while (i < lines.Length)
        {
            var line = lines[i];
            if (line.StartsWith('#'))
            {
                comments.Add(line);
                i++;
                continue;
            }

            if (line.Trim().Length == 0)
            {
                i++;
                continue;
            }

            var commandLine = i + 1;
            var command = line.Trim();
            i++;
            List<string>? expected = null;
            if (i < lines.Length && lines[i].Trim() == Separator)
            {
                expected = [];
                i++;
                while (i < lines.Length && lines[i].Trim().Length > 0)
                {
                    expected.Add(lines[i].TrimEnd());
                    i++;
                }
            }

            blocks.Add(new ScenarioBlock(commandLine, comments, command, expected));
            comments = [];
        }

        return new ScenarioScript(name, pending, blocks, comments);
    }

    /// <summary>The script text with <paramref name="outputs"/> (one per block) as the expected outputs.</summary>
    public string Render(IReadOnlyList<IReadOnlyList<string>> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        if (outputs.Count != Blocks.Count)
        {
            throw new ArgumentException("one output per block", nameof(outputs));
        }

        var text = new StringBuilder();
        for (var b = 0; b < Blocks.Count; b++)
        {
            var block = Blocks[b];
            foreach (var comment in block.Comments)
            {
                text.Append(comment).Append('\n');
            }

            text.Append(block.Command).Append('\n').Append(Separator).Append('\n');
            foreach (var line in outputs[b])
            {
                text.Append(line).Append('\n');
            }

            if (b < Blocks.Count - 1)
            {
                text.Append('\n');
            }
        }

        if (TrailingComments.Count > 0)
        {
            text.Append('\n');
            foreach (var comment in TrailingComments)
            {
                text.Append(comment).Append('\n');
            }
        }

        return text.ToString();
    }
}
