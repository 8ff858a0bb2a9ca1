using System.Globalization;
using System.Text;

namespace OrleansRep.Storage.Tools;

/// <summary>
/// Reads a Berkeley DB btree dump as written by <c>db_dump</c> (<c>format=bytevalue</c>) or <c>db_dump -p</c>
/// (<c>format=print</c>), VERSION 2 or 3, and hands back its key/value pairs.
/// </summary>
/// <remarks>
/// <para>
/// The constructor reads the first header. <see cref="TryReadPair"/> then returns pairs in file order until the
/// database's <c>DATA=END</c>.
/// </para>
/// <para>
/// Several databases in one dump (what <c>db_dump</c> writes for a file of subdatabases: one header..DATA=END
/// section each) are read one after another: after a database's pairs, <see cref="TryReadNextDatabase"/> reads the
/// next header and the header properties change to describe it. Each section's pairs stay separate; nothing is
/// merged across databases.
/// </para>
/// <para>
/// Header keywords are the ones db5.3_load accepts. A keyword db5.3_load would refuse is refused here too, since the
/// file is then not a db_dump file. Only btree dumps without duplicate keys are accepted, because each pair becomes one
/// key of a key-value store; any other <c>type=</c>, and <c>duplicates=1</c> or <c>dupsort=1</c>, is an error.
/// Everything is stricter than db_load where db_load would load garbage: see <see cref="DumpLineEncoding"/>, and a key
/// line with no value line before <c>DATA=END</c>, which db_load silently drops, is an error.
/// </para>
/// </remarks>
public sealed class DumpReader
{
    // Keywords db5.3_load's rheader() takes besides VERSION, format, type, database, subdatabase, keys and nparts
    // (its CONFIGURATION_LIST_COMPARE): flags must be 0 or 1, numbers are read with __db_getlong(0..LONG_MAX),
    // re_pad uses the first character.
    private static readonly HashSet<string> FlagKeywords =
        new(["chksum", "compressed", "duplicates", "dupsort", "recnum", "renumber"], StringComparer.Ordinal);

    private static readonly HashSet<string> NumberKeywords =
        new(["bt_minkey", "db_lorder", "db_pagesize", "extentsize", "h_ffactor", "h_nelem", "heap_regionsize", "re_len"],
            StringComparer.Ordinal);

    private static readonly HashSet<string> OtherAccessMethods =
        new(["hash", "recno", "queue", "heap"], StringComparer.Ordinal);

    private readonly LineFeedLineReader _lines;
    private bool _inData;

    public DumpReader(TextReader input)
    {
        ArgumentNullException.ThrowIfNull(input);
        _lines = new LineFeedLineReader(input);
        if (!TryReadHeader())
        {
            throw new DumpFormatException(1, "empty input; a dump starts with a header such as VERSION=3");
        }
    }

    /// <summary>How the current database's key and value lines are encoded.</summary>
    public DumpFormat Format { get; private set; }

    /// <summary>The current database's <c>database=</c> (or <c>subdatabase=</c>) name, decoded as UTF-8; null if none.</summary>
    public string? DatabaseName { get; private set; }

    /// <summary>
    /// Every name=value line of the current database's header except <c>HEADER=END</c>, values exactly as written
    /// (so <c>database</c> keeps its printable encoding), e.g. <c>db_pagesize</c>, <c>bt_minkey</c>, <c>recnum</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string> Header { get; private set; } = new Dictionary<string, string>();

    /// <summary>
    /// The boundary keys that follow <c>nparts=N</c> in a partitioned database's header (N - 1 of them); empty when the
    /// database is not partitioned. The pairs of all partitions come in one sequence regardless.
    /// </summary>
    public IReadOnlyList<byte[]> PartitionKeys { get; private set; } = [];

    /// <summary>
    /// The next key/value pair of the current database, or false once its <c>DATA=END</c> has been read (and every
    /// time after that, until <see cref="TryReadNextDatabase"/>).
    /// </summary>
    public bool TryReadPair(out byte[] key, out byte[] value)
    {
        key = [];
        value = [];
        if (!_inData)
        {
            return false;
        }

        var keyLine = _lines.ReadLine();
        if (keyLine is null)
        {
            throw new DumpFormatException(_lines.LineNumber + 1, "input ended before DATA=END");
        }

        if (keyLine == "DATA=END")
        {
            _inData = false;
            return false;
        }

        var keyLineNumber = _lines.LineNumber;
        var decodedKey = DecodeDataLine(keyLine, keyLineNumber);

        var valueLine = _lines.ReadLine();
        if (valueLine is null or "DATA=END")
        {
            var found = valueLine is null ? "the input ended" : $"line {_lines.LineNumber} is DATA=END";
            throw new DumpFormatException(keyLineNumber, $"key line has no value line ({found})");
        }

        value = DecodeDataLine(valueLine, _lines.LineNumber);
        key = decodedKey;
        return true;
    }

    /// <summary>The remaining pairs of the current database, in file order.</summary>
    public IEnumerable<(byte[] Key, byte[] Value)> ReadPairs()
    {
        while (TryReadPair(out var key, out var value))
        {
            yield return (key, value);
        }
    }

    /// <summary>
    /// Moves to the next database of the dump, skipping (but still checking) any unread pairs of the current one.
    /// Returns false at the end of the input; the header properties then keep describing the last database.
    /// </summary>
    public bool TryReadNextDatabase()
    {
        while (TryReadPair(out _, out _))
        {
        }

        return TryReadHeader();
    }

    private bool TryReadHeader()
    {
        var line = _lines.ReadLine();
        if (line is null)
        {
            return false;
        }

        var headerStartLine = _lines.LineNumber;
        var header = new Dictionary<string, string>(StringComparer.Ordinal);
        var partitionKeys = new List<byte[]>();
        string? databaseName = null;

        // db_load's default when no format= line comes first; it matters for nparts keys read inside the header.
        var format = DumpFormat.ByteValue;

        while (true)
        {
            if (line is null)
            {
                throw new DumpFormatException(_lines.LineNumber + 1,
                    $"input ended before HEADER=END (the header began on line {headerStartLine})");
            }

            var lineNumber = _lines.LineNumber;
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new DumpFormatException(lineNumber,
                    $"expected a header line name=value or HEADER=END, found \"{Excerpt(line)}\"");
            }

            var name = line[..equals];
            var value = line[(equals + 1)..];
            if (name == "HEADER")
            {
                if (value != "END")
                {
                    throw new DumpFormatException(lineNumber, $"expected HEADER=END, found \"{Excerpt(line)}\"");
                }

                break;
            }

            if (!header.TryAdd(name, value))
            {
                throw new DumpFormatException(lineNumber, $"header keyword \"{name}\" appears twice");
            }

            // As in db_load, only a database name may be empty (Berkeley DB once allowed zero-length names).
            if (value.Length == 0 && name is not ("database" or "subdatabase"))
            {
                throw new DumpFormatException(lineNumber, $"header keyword \"{name}\" has an empty value");
            }

            switch (name)
            {
                case "VERSION":
                    // Version 1 dumps have no VERSION line and no leading space on data lines; 2 and 3 differ only in
                    // how recno keys are printed, which does not apply to a btree.
                    if (value is not ("2" or "3"))
                    {
                        throw new DumpFormatException(lineNumber, $"VERSION={Excerpt(value)} is not supported; expected 3 (or 2)");
                    }

                    break;

                case "format":
                    format = value switch
                    {
                        "print" => DumpFormat.Print,
                        "bytevalue" => DumpFormat.ByteValue,
                        _ => throw new DumpFormatException(lineNumber,
                            $"format={Excerpt(value)} is not a dump format; expected print or bytevalue"),
                    };
                    break;

                case "type":
                    if (value != "btree")
                    {
                        throw new DumpFormatException(lineNumber, OtherAccessMethods.Contains(value)
                            ? $"type={Excerpt(value)} is not supported; only btree dumps can be read"
                            : $"type={Excerpt(value)} is not a Berkeley DB access method");
                    }

                    break;

                case "database" or "subdatabase":
                    if (databaseName is not null)
                    {
                        throw new DumpFormatException(lineNumber, "the header names the database twice");
                    }

                    databaseName = DecodeDatabaseName(value, lineNumber);
                    break;

                case "keys":
                    if (value == "0")
                    {
                        throw new DumpFormatException(lineNumber, "keys=0 (data without keys) is not supported");
                    }

                    RequireFlag(name, value, lineNumber);
                    break;

                case "nparts":
                    var partitions = RequireNumber(name, value, lineNumber);
                    if (partitions < 1)
                    {
                        throw new DumpFormatException(lineNumber, "nparts must be at least 1");
                    }

                    // db_dump writes the N - 1 partition boundary keys right after nparts, inside the header.
                    for (var i = 1; i < partitions; i++)
                    {
                        var keyLine = _lines.ReadLine() ?? throw new DumpFormatException(_lines.LineNumber + 1,
                            $"input ended inside the {partitions - 1} partition keys that follow nparts");
                        partitionKeys.Add(DecodeDataLine(keyLine, _lines.LineNumber, format));
                    }

                    break;

                case "duplicates" or "dupsort":
                    RequireFlag(name, value, lineNumber);
                    if (value == "1")
                    {
                        throw new DumpFormatException(lineNumber,
                            $"{name}=1 is not supported: a database with duplicate keys does not map onto a key-value store");
                    }

                    break;

                case "re_pad":
                    break;

                default:
                    if (FlagKeywords.Contains(name))
                    {
                        RequireFlag(name, value, lineNumber);
                    }
                    else if (NumberKeywords.Contains(name))
                    {
                        RequireNumber(name, value, lineNumber);
                    }
                    else
                    {
                        throw new DumpFormatException(lineNumber,
                            $"unknown header keyword \"{Excerpt(name)}\" (db5.3_load refuses it as well)");
                    }

                    break;
            }

            line = _lines.ReadLine();
        }

        var headerEndLine = _lines.LineNumber;
        if (!header.ContainsKey("VERSION"))
        {
            throw new DumpFormatException(headerEndLine,
                $"the header that began on line {headerStartLine} has no VERSION line (version 1 dumps are not supported)");
        }

        if (!header.ContainsKey("type"))
        {
            throw new DumpFormatException(headerEndLine,
                $"the header that began on line {headerStartLine} has no type= line");
        }

        Format = format;
        DatabaseName = databaseName;
        Header = header;
        PartitionKeys = partitionKeys;
        _inData = true;
        return true;
    }

    private byte[] DecodeDataLine(string line, int lineNumber) => DecodeDataLine(line, lineNumber, Format);

    private static byte[] DecodeDataLine(string line, int lineNumber, DumpFormat format)
    {
        if (line.Length == 0 || line[0] != ' ')
        {
            throw new DumpFormatException(lineNumber,
                $"expected a data line starting with a space, or DATA=END, found \"{Excerpt(line)}\"");
        }

        // Column 2 is the first character after the leading space.
        var text = line.AsSpan(1);
        return format == DumpFormat.Print
            ? DumpLineEncoding.DecodePrintable(text, lineNumber, firstColumn: 2)
            : DumpLineEncoding.DecodeByteValue(text, lineNumber, firstColumn: 2);
    }

    private static string DecodeDatabaseName(string value, int lineNumber)
    {
        // db_dump prints the name in printable form whatever the format of the data lines.
        var bytes = DumpLineEncoding.DecodePrintable(value, lineNumber, firstColumn: "database=".Length + 1);
        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new DumpFormatException(lineNumber, "the database name is not valid UTF-8");
        }
    }

    private static void RequireFlag(string name, string value, int lineNumber)
    {
        if (value is not ("0" or "1"))
        {
            throw new DumpFormatException(lineNumber, $"{name}={Excerpt(value)} must be 0 or 1");
        }
    }

    private static long RequireNumber(string name, string value, int lineNumber)
    {
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            throw new DumpFormatException(lineNumber, $"{name}={Excerpt(value)} must be a non-negative integer");
        }

        return number;
    }

    /// <summary>The start of a line for a message, with invisible characters made visible.</summary>
    private static string Excerpt(string text)
    {
        const int MaxLength = 60;
        var builder = new StringBuilder();
        foreach (var c in text.Length > MaxLength ? text[..MaxLength] : text)
        {
            builder.Append(DumpLineEncoding.IsPrintable(c) ? c.ToString() : "<" + DumpLineEncoding.Describe(c) + ">");
        }

        return text.Length > MaxLength ? builder.Append("...").ToString() : builder.ToString();
    }
}
