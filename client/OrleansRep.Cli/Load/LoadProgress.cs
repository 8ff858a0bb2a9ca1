using System.Diagnostics;
using System.Globalization;

namespace OrleansRep.Cli.Load;

/// <summary>
/// A progress line on stderr, rewritten in place with '\r' a few times a second: pairs, megabytes, pairs per second.
/// Only when stderr is a terminal: in a log file or a pipe the carriage returns would be noise.
/// </summary>
internal sealed class LoadProgress(TextWriter error, bool enabled)
{
    private static readonly long Interval = Stopwatch.Frequency / 4;

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private string _phase = string.Empty;
    private long _total;
    private long _nextDraw;
    private int _drawnWidth;

    public long Pairs { get; private set; }

    public long Bytes { get; private set; }

    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Starts a phase ("checking", "loading") with its count of pairs when known (0 when not).</summary>
    public void Begin(string phase, long totalPairs)
    {
        _phase = phase;
        _total = totalPairs;
        Pairs = 0;
        Bytes = 0;
        _clock.Restart();
        _nextDraw = 0;
    }

    public void Advance(long pairs, long bytes)
    {
        Pairs += pairs;
        Bytes += bytes;
        if (enabled && _clock.ElapsedTicks >= _nextDraw)
        {
            _nextDraw = _clock.ElapsedTicks + Interval;
            Draw();
        }
    }

    /// <summary>Erases the progress line so the next output starts on a clean line.</summary>
    public void Clear()
    {
        if (enabled && _drawnWidth > 0)
        {
            error.Write("\r" + new string(' ', _drawnWidth) + "\r");
            error.Flush();
            _drawnWidth = 0;
        }
    }

    public static string Megabytes(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);

    public static string Rate(long count, TimeSpan elapsed) =>
        (elapsed.TotalSeconds > 0 ? count / elapsed.TotalSeconds : 0).ToString("0", CultureInfo.InvariantCulture);

    private void Draw()
    {
        var of = _total > 0 ? $"/{_total} ({Pairs * 100 / _total}%)" : string.Empty;
        var line = $"{_phase} {Pairs}{of} pairs, {Megabytes(Bytes)} MB, {Rate(Pairs, _clock.Elapsed)} pairs/s";
        error.Write("\r" + line.PadRight(_drawnWidth));
        error.Flush();
        _drawnWidth = Math.Max(_drawnWidth, line.Length);
    }
}
