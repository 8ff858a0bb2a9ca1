using System.Text;

namespace OrleansRep.Simulation.Scenarios;

/// <summary>What running a script produced, block by block, and how it differs from what the script expects.</summary>
public sealed class ScenarioResult(ScenarioScript script, IReadOnlyList<IReadOnlyList<string>> outputs)
{
    public ScenarioScript Script { get; } = script;

    public IReadOnlyList<IReadOnlyList<string>> Outputs { get; } = outputs;

    public bool Matches => Enumerable.Range(0, Script.Blocks.Count).All(BlockMatches);

    /// <summary>The script as it would read with the actual outputs (what rewrite mode writes).</summary>
    public string Rewritten => Script.Render(Outputs);

    public bool BlockMatches(int block) =>
        Script.Blocks[block].Expected is { } expected && expected.SequenceEqual(Outputs[block], StringComparer.Ordinal);

    /// <summary>For each block that differs: its line and command, then the expected lines (-) and actual lines (+),
    /// with common lines kept ( ) so the first difference is easy to find.</summary>
    public string Diff()
    {
        var text = new StringBuilder();
        for (var b = 0; b < Script.Blocks.Count; b++)
        {
            if (BlockMatches(b))
            {
                continue;
            }

            var block = Script.Blocks[b];
            text.Append(Script.Name).Append(':').Append(block.Line).Append(": ").Append(block.Command).Append('\n');
            if (block.Expected is null)
            {
                text.Append("  (no ---- block: expected output missing)\n");
            }

            foreach (var line in LineDiff(block.Expected ?? [], Outputs[b]))
            {
                text.Append("  ").Append(line).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>A longest-common-subsequence line diff.</summary>
    private static List<string> LineDiff(IReadOnlyList<string> expected, IReadOnlyList<string> actual)
    {
        var n = expected.Count;
        var m = actual.Count;
        var lcs = new int[n + 1, m + 1];
        for (var i = n - 1; i >= 0; i--)
        {
            for (var j = m - 1; j >= 0; j--)
            {
                lcs[i, j] = expected[i] == actual[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var diff = new List<string>();
        int x = 0, y = 0;
        while (x < n || y < m)
        {
            if (x < n && y < m && expected[x] == actual[y])
            {
                diff.Add("  " + expected[x]);
                x++;
                y++;
            }
            else if (y < m && (x == n || lcs[x, y + 1] >= lcs[x + 1, y]))
            {
                diff.Add("+ " + actual[y]);
                y++;
            }
            else
            {
                diff.Add("- " + expected[x]);
                x++;
            }
        }

        return diff;
    }
}
