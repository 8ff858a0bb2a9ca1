using System.Globalization;
using System.Text;
using OrleansRep.Cli.Output;

namespace OrleansRep.Cli.Shell;

/// <summary>
/// Splits a shell line into byte tokens. Whitespace separates tokens; double quotes group a token that holds spaces
/// (<c>""</c> is an empty token); a backslash escapes: <c>\\</c> a backslash, <c>\"</c> a quote, <c>\xhh</c> any byte.
/// Other characters are UTF-8. <see cref="Quote"/> writes bytes in the same notation, so output can be pasted back.
/// </summary>
internal static class ShellTokenizer
{
    public static List<byte[]> Split(string line)
    {
        var tokens = new List<byte[]>();
        var current = new List<byte>();
        var inToken = false;
        var quoted = false;
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (!quoted && char.IsWhiteSpace(c))
            {
                if (inToken)
                {
                    tokens.Add([.. current]);
                    current.Clear();
                    inToken = false;
                }

                continue;
            }

            inToken = true;
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == '\\')
            {
                i = Escape(line, i, current);
            }
            else
            {
                var rune = Rune.GetRuneAt(line, i);
                var n = rune.EncodeToUtf8(utf8);
                current.AddRange(utf8[..n]);
                i += rune.Utf16SequenceLength - 1;
            }
        }

        if (quoted)
        {
            throw new UsageException("unterminated quote");
        }

        if (inToken)
        {
            tokens.Add([.. current]);
        }

        return tokens;
    }

    /// <summary>The bytes as one token: escaped, and quoted when they are empty or hold a space or a quote.</summary>
    public static string Quote(ReadOnlySpan<byte> bytes)
    {
        var escaped = ByteText.Escaped(bytes).Replace("\"", "\\\"", StringComparison.Ordinal);
        return bytes.IsEmpty || bytes.IndexOfAny((byte)' ', (byte)'"') >= 0 ? "\"" + escaped + "\"" : escaped;
    }

    private static int Escape(string line, int i, List<byte> current)
    {
        if (i + 1 < line.Length && line[i + 1] is '\\' or '"')
        {
            current.Add((byte)line[i + 1]);
            return i + 1;
        }

        if (i + 3 < line.Length && line[i + 1] == 'x'
            && byte.TryParse(line.AsSpan(i + 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
        {
            current.Add(b);
            return i + 3;
        }

        throw new UsageException($"bad escape at column {i + 1}: use \\\\ for a backslash, \\\" for a quote or \\xhh for a byte");
    }
}
