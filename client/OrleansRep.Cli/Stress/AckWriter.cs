using System.Globalization;
using System.Text;

namespace OrleansRep.Cli.Stress;

/// <summary>
/// Prints <c>ack &lt;i&gt;</c> for every key of a transaction once its commit has returned, and flushes at once: a crash
/// test reads these lines and kills the process at a random point, then checks that every acknowledged key survived.
/// A line must therefore never be printed before its commit returned, and never sit in a buffer after it did.
/// </summary>
internal sealed class AckWriter(Stream stdout)
{
    private readonly object _gate = new();
    private readonly StringBuilder _text = new();

    public long Acked { get; private set; }

    /// <summary>Acknowledges keys <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive).</summary>
    public void Ack(long from, long to)
    {
        lock (_gate)
        {
            _text.Clear();
            for (var i = from; i < to; i++)
            {
                _text.Append("ack ").Append(i.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }

            // One write per transaction: the reader never sees half an ack line from a racing writer.
            stdout.Write(Encoding.ASCII.GetBytes(_text.ToString()));
            stdout.Flush();
            Acked += to - from;
        }
    }
}
