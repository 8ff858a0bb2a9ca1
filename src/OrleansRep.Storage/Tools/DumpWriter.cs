using System.Text;

namespace OrleansRep.Storage.Tools;

/// <summary>
/// Writes a btree in the text form of Berkeley DB's <c>db_dump -p</c>, which <c>db_load</c> (db5.3_load) reads back.
/// </summary>
/// <remarks>
/// <para>
/// Call <see cref="WriteHeader"/>, then <see cref="WritePair"/> per key/value pair, then <see cref="WriteFooter"/>.
/// Pairs may come in any order: <c>db_load</c> inserts each one, and the btree sorts keys bytewise (unsigned,
/// shorter prefix first). Keys must be unique; <c>db_load</c> keeps the last value of a repeated key.
/// </para>
/// <para>
/// Several databases go into one dump as consecutive header..footer sections. <c>db_load</c> then creates them as
/// named subdatabases of one file, so every section of such a dump must be named; this writer enforces that.
/// </para>
/// <para>
/// Lines end in '\n' whatever <see cref="TextWriter.NewLine"/> says, since <c>db_load</c> splits at '\n' only. The
/// output is pure ASCII; write it without a byte-order mark, or <c>db_load</c> sees "\uFEFFVERSION" as a keyword.
/// </para>
/// </remarks>
public sealed class DumpWriter
{
    private readonly TextWriter _output;
    private char[] _lineBuffer = new char[256];
    private bool _inSection;
    private int _sectionsStarted;
    private bool _firstSectionNamed;

    public DumpWriter(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>
    /// Starts a database: <c>VERSION=3</c>, <c>format=print</c>, <c>database=NAME</c> when a name is given,
    /// <c>type=btree</c>, <c>HEADER=END</c>. This is <c>db5.3_dump -p</c>'s header without its
    /// <c>db_pagesize=</c> line: the page size belongs to the Berkeley DB file, not to the data, and without the line
    /// <c>db_load</c> picks its own default.
    /// </summary>
    /// <param name="databaseName">Subdatabase name, written UTF-8 encoded in the printable form; null for none.</param>
    public void WriteHeader(string? databaseName = null)
    {
        if (_inSection)
        {
            throw new InvalidOperationException("WriteHeader called inside a database; call WriteFooter first");
        }

        // db_load passes the name to DB->open as a C string, so a NUL would silently cut it short.
        if (databaseName is not null && databaseName.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("a Berkeley DB database name cannot contain NUL", nameof(databaseName));
        }

        var named = databaseName is not null;
        if (_sectionsStarted == 0)
        {
            _firstSectionNamed = named;
        }
        else if (!_firstSectionNamed || !named)
        {
            throw new InvalidOperationException(
                "a dump with several databases needs a name for each: db_load loads them as subdatabases of one file");
        }

        WriteLine("VERSION=3");
        WriteLine("format=print");
        if (databaseName is not null)
        {
            _output.Write("database=");
            WriteEncodedLine(Encoding.UTF8.GetBytes(databaseName));
        }

        WriteLine("type=btree");
        WriteLine("HEADER=END");
        _inSection = true;
        _sectionsStarted++;
    }

    /// <summary>Writes the key line and the value line, each a space followed by the printable form of the bytes.</summary>
    public void WritePair(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (!_inSection)
        {
            throw new InvalidOperationException("WritePair called outside a database; call WriteHeader first");
        }

        _output.Write(' ');
        WriteEncodedLine(key);
        _output.Write(' ');
        WriteEncodedLine(value);
    }

    /// <summary>Ends the database with <c>DATA=END</c>.</summary>
    public void WriteFooter()
    {
        if (!_inSection)
        {
            throw new InvalidOperationException("WriteFooter called outside a database; call WriteHeader first");
        }

        WriteLine("DATA=END");
        _inSection = false;
    }

    private void WriteLine(string text)
    {
        _output.Write(text);
        _output.Write('\n');
    }

    private void WriteEncodedLine(ReadOnlySpan<byte> bytes)
    {
        var needed = DumpLineEncoding.MaxPrintableLength(bytes.Length) + 1;
        if (_lineBuffer.Length < needed)
        {
            _lineBuffer = new char[Math.Max(needed, _lineBuffer.Length * 2)];
        }

        var length = DumpLineEncoding.EncodePrintable(bytes, _lineBuffer);
        _lineBuffer[length++] = '\n';
        _output.Write(_lineBuffer, 0, length);
    }
}
