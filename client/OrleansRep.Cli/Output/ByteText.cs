using System.Globalization;
using System.Text;

namespace OrleansRep.Cli.Output;

/// <summary>
/// How keys and values appear in human-readable output. Keys are bytes, often ASCII: show them as text when every byte
/// is printable, otherwise in hex, so a binary key never garbles the terminal and a text key stays readable.
/// </summary>
internal static class ByteText
{
    /// <summary>Printable ASCII as is, a backslash doubled, every other byte as <c>\xhh</c> (what the shell reads back).</summary>
    public static string Escaped(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b == (byte)'\\')
            {
                builder.Append(@"\\");
            }
            else if (IsPrintable(b))
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append(@"\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    /// <summary>Lowercase hex, two digits per byte.</summary>
    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    /// <summary>
    /// <c>"text"</c> when every byte is printable, else <c>0x</c> and hex; longer than <paramref name="maxBytes"/> bytes
    /// is cut and marked with <c>...</c> and the full length.
    /// </summary>
    public static string Describe(ReadOnlySpan<byte> bytes, int maxBytes = 64)
    {
        var shown = bytes.Length > maxBytes ? bytes[..maxBytes] : bytes;
        var suffix = bytes.Length > maxBytes ? $"...({bytes.Length} bytes)" : string.Empty;
        foreach (var b in shown)
        {
            if (!IsPrintable(b))
            {
                return "0x" + Hex(shown) + suffix;
            }
        }

        return "\"" + Encoding.ASCII.GetString(shown) + "\"" + suffix;
    }

    public static bool IsPrintable(byte b) => b is >= 0x20 and <= 0x7e;
}
