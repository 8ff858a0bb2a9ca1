namespace OrleansRep.Cli.Bench;

/// <summary>
/// Workload sizes of <c>orep bench runtime</c>: round trips with one caller, round trips in total with
/// <see cref="Callers"/> concurrent callers spread over <see cref="Connections"/> client connections, the warm-up
/// calls before each call phase, and 100-byte records published on one stream between two silos.
/// </summary>
public sealed record RuntimeBenchSizes(int SequentialCalls, int ConcurrentCalls, int Callers, int Connections, int WarmupCalls, int StreamRecords)
{
    public static readonly RuntimeBenchSizes Full = new(100_000, 1_000_000, 64, 4, 20_000, 10_000_000);

    public static readonly RuntimeBenchSizes Quick = new(5_000, 64_000, 64, 4, 2_000, 50_000);
}
