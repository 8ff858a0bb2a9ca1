namespace OrleansRep.Cli.Bench;

/// <summary>What <c>orep bench catchup</c> runs.</summary>
internal sealed class CatchupBenchOptions
{
    /// <summary>Megabytes of values written while the site is down (<c>--mb</c>). Default 1024 (64 with <c>--quick</c>).</summary>
    public int Megabytes { get; init; } = 1024;

    /// <summary>How the site comes back (<c>--mode</c>). Default <see cref="CatchupMode.Log"/>.</summary>
    public CatchupMode Mode { get; init; } = CatchupMode.Log;

    /// <summary>Bytes of each value. Default 64 KiB: the payload dominates the log, as in a bulk load.</summary>
    public int ValueBytes { get; init; } = 64 << 10;

    /// <summary>Concurrent writers (Quorum, which the two running sites satisfy). Default 16: enough to keep the
    /// master's group commit full on a 2-core machine.</summary>
    public int Writers { get; init; } = 16;

    /// <summary>Keys read back from the caught-up site afterwards. Default 256.</summary>
    public int SampleKeys { get; init; } = 256;

    /// <summary>How long the writing may take. Default 30 minutes (a loaded machine writes 1 GB in a few).</summary>
    public TimeSpan WriteDeadline { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How long the restarted site may take to catch up. Default 20 minutes.</summary>
    public TimeSpan CatchupDeadline { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>Archive interval the sites run with in <see cref="CatchupMode.Init"/> (in <see cref="CatchupMode.Log"/>
    /// archiving is off). Default 1 s: the master removes the stopped site's log files soon after the writing.</summary>
    public TimeSpan InitArchiveInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Megabytes, 1, nameof(Megabytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(ValueBytes, 16, nameof(ValueBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(Writers, 1, nameof(Writers));
        ArgumentOutOfRangeException.ThrowIfLessThan(SampleKeys, 1, nameof(SampleKeys));
    }
}
