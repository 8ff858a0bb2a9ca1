using System.Globalization;

namespace OrleansRep.Storage.Tools;

/// <summary>
/// The byte encodings of Berkeley DB dump lines, as written by <c>__db_prdbt</c> (db/db_pr.c) and read back by
/// <c>dbt_rprint</c> / <c>dbt_rdump</c> (util/db_load.c).
/// </summary>
/// <remarks>
/// Printable form: a byte for which C <c>isprint()</c> is true is written as itself, a backslash is doubled, and
/// every other byte becomes a backslash and two lowercase hex digits. <c>isprint()</c> depends on the C locale;
/// in the "C" locale (and glibc's C.UTF-8, where no single byte above 0x7e is printable) it is exactly 0x20..0x7e,
/// which is what this class uses so the output does not depend on the machine it was written on.
/// Decoding is stricter than <c>db_load</c>: its DIGITIZE macro silently turns an uppercase or otherwise non-hex digit
/// into 15 (<c>\4A</c> loads as 'O'), and it copies raw non-printable bytes through; here both are errors, because
/// <c>db_dump</c> never writes them and accepting them would hide a damaged or hand-mangled file.
/// </remarks>
internal static class DumpLineEncoding
{
    private const string LowercaseHexDigits = "0123456789abcdef";

    /// <summary>The longest printable form of <paramref name="byteCount"/> bytes: three characters for each.</summary>
    public static int MaxPrintableLength(int byteCount) => checked(byteCount * 3);

    /// <summary>Whether <c>isprint()</c> in the C locale is true for the byte, i.e. whether it is written as itself.</summary>
    public static bool IsPrintable(int b) => b is >= 0x20 and <= 0x7e;

    /// <summary>Writes the printable form of <paramref name="bytes"/>; returns how many characters were written.</summary>
    public static int EncodePrintable(ReadOnlySpan<byte> bytes, Span<char> destination)
    {
        var written = 0;
        foreach (var b in bytes)
        {
            if (b == (byte)'\\')
            {
                destination[written++] = '\\';
                destination[written++] = '\\';
            }
            else if (IsPrintable(b))
            {
                destination[written++] = (char)b;
            }
            else
            {
                destination[written++] = '\\';
                destination[written++] = LowercaseHexDigits[b >> 4];
                destination[written++] = LowercaseHexDigits[b & 0xf];
            }
        }

        return written;
    }

    /// <summary>Decodes printable text; <paramref name="firstColumn"/> is the 1-based column of text[0], for messages.</summary>
    public static byte[] DecodePrintable(ReadOnlySpan<char> text, int lineNumber, int firstColumn)
    {
        // Every byte takes at least one character, so the text length bounds the decoded length.
        var bytes = new byte[text.Length];
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\')
            {
                if (i + 1 < text.Length && text[i + 1] == '\\')
                {
                    bytes[count++] = (byte)'\\';
                    i++;
                    continue;
                }

                if (i + 2 >= text.Length)
                {
                    throw new DumpFormatException(lineNumber,
                        $"column {firstColumn + i}: incomplete escape \"{text[i..].ToString()}\" at end of line; " +
                        "a backslash must be followed by another backslash or two lowercase hex digits");
                }

                var high = LowercaseHexValue(text[i + 1]);
                var low = LowercaseHexValue(text[i + 2]);
                if (high < 0 || low < 0)
                {
                    throw new DumpFormatException(lineNumber,
                        $"column {firstColumn + i}: invalid escape \"{text.Slice(i, 3).ToString()}\"; " +
                        "a backslash must be followed by another backslash or two lowercase hex digits");
                }

                bytes[count++] = (byte)((high << 4) | low);
                i += 2;
            }
            else if (IsPrintable(c))
            {
                bytes[count++] = (byte)c;
            }
            else
            {
                throw new DumpFormatException(lineNumber,
                    $"column {firstColumn + i}: unescaped character {Describe(c)}; " +
                    "db_dump -p writes every byte outside 0x20..0x7e as a backslash and two hex digits");
            }
        }

        if (count != bytes.Length)
        {
            Array.Resize(ref bytes, count);
        }

        return bytes;
    }

    /// <summary>Decodes bytevalue (plain hex) text; <paramref name="firstColumn"/> is the 1-based column of text[0].</summary>
    public static byte[] DecodeByteValue(ReadOnlySpan<char> text, int lineNumber, int firstColumn)
    {
        if (text.Length % 2 != 0)
        {
            throw new DumpFormatException(lineNumber,
                $"odd number of hex digits ({text.Length}); bytevalue lines hold two lowercase hex digits per byte");
        }

        var bytes = new byte[text.Length / 2];
        for (var i = 0; i < bytes.Length; i++)
        {
            var high = LowercaseHexValue(text[2 * i]);
            var low = LowercaseHexValue(text[(2 * i) + 1]);
            if (high < 0 || low < 0)
            {
                var bad = high < 0 ? 2 * i : (2 * i) + 1;
                throw new DumpFormatException(lineNumber,
                    $"column {firstColumn + bad}: {Describe(text[bad])} is not a lowercase hex digit");
            }

            bytes[i] = (byte)((high << 4) | low);
        }

        return bytes;
    }

    /// <summary>Names a character for an error message so that invisible ones (tab, CR) are still recognisable.</summary>
    public static string Describe(char c) =>
        IsPrintable(c)
            ? $"'{c}'"
            : "U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture);

    private static int LowercaseHexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => -1,
    };
}
