using System.Text;

namespace OrleansRep.Storage.Tools;

/// <summary>
/// Splits text into lines at '\n' only, counting them. <see cref="TextReader.ReadLine"/> also splits at a lone '\r',
/// which would let a CRLF dump (or a stray carriage return) pass for a valid one; <c>db_load</c> splits at '\n' only,
/// so a '\r' stays in the line and is reported there.
/// </summary>
internal sealed class LineFeedLineReader(TextReader input)
{
    private readonly char[] _buffer = new char[8192];
    private readonly StringBuilder _line = new();
    private int _position;
    private int _length;

    /// <summary>1-based number of the line most recently returned; 0 before the first.</summary>
    public int LineNumber { get; private set; }

    /// <summary>
    /// The next line without its '\n', or null at the end of the input. A last line with no '\n' is still returned:
    /// <c>db_load</c> would refuse a dump that ends that way, but nothing is lost by reading it.
    /// </summary>
    public string? ReadLine()
    {
        _line.Clear();
        while (true)
        {
            if (_position == _length)
            {
                _length = input.Read(_buffer, 0, _buffer.Length);
                _position = 0;
                if (_length == 0)
                {
                    if (_line.Length == 0)
                    {
                        return null;
                    }

                    LineNumber++;
                    return _line.ToString();
                }
            }

            var newline = Array.IndexOf(_buffer, '\n', _position, _length - _position);
            if (newline < 0)
            {
                _line.Append(_buffer, _position, _length - _position);
                _position = _length;
                continue;
            }

            _line.Append(_buffer, _position, newline - _position);
            _position = newline + 1;
            LineNumber++;
            return _line.ToString();
        }
    }
}
