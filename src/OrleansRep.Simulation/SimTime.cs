using System.Globalization;

namespace OrleansRep.Simulation;

/// <summary>Simulated time is microseconds (as the state machine's ticks); helpers to write and read it.</summary>
public static class SimTime
{
    public const long Millisecond = 1_000;
    public const long Second = 1_000_000;

    public static long Ms(long ms) => ms * Millisecond;

    public static long Seconds(long s) => s * Second;

    /// <summary>"1.234567s".</summary>
    public static string Format(long micros) => string.Create(CultureInfo.InvariantCulture, $"{micros / Second}.{micros % Second:D6}s");

    /// <summary>The shortest exact form <see cref="TryParse"/> reads back: "5s", "250ms" or "1234us".</summary>
    public static string FormatDuration(long micros) => micros switch
    {
        _ when micros != 0 && micros % Second == 0 => string.Create(CultureInfo.InvariantCulture, $"{micros / Second}s"),
        _ when micros != 0 && micros % Millisecond == 0 => string.Create(CultureInfo.InvariantCulture, $"{micros / Millisecond}ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{micros}us"),
    };

    /// <summary>Parses "250us", "40ms", "2s" or a bare number of microseconds.</summary>
    public static bool TryParse(string text, out long micros)
    {
        micros = 0;
        (string digits, long unit) = text switch
        {
            _ when text.EndsWith("us", StringComparison.Ordinal) => (text[..^2], 1L),
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], Millisecond),
            _ when text.EndsWith('s') => (text[..^1], Second),
            _ => (text, 1L),
        };
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > long.MaxValue / unit)
        {
            return false;
        }

        micros = n * unit;
        return true;
    }
}
