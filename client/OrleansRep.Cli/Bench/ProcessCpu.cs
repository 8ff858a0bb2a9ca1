using System.Globalization;

namespace OrleansRep.Cli.Bench;

/// <summary>CPU time of processes from /proc/PID/stat (Linux), for benchmarks on a shared machine.</summary>
internal static class ProcessCpu
{
    /// <summary>Kernel clock ticks per second (USER_HZ), 100 on every Linux this runs on.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>User + system seconds of <paramref name="pids"/> (0 for one that is gone or where /proc is missing).</summary>
    public static double SecondsOf(IEnumerable<int> pids) => pids.Sum(SecondsOf);

    private static double SecondsOf(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }

        // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
        // utime and stime are fields 14 and 15, so the 12th and 13th after it.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }
}
