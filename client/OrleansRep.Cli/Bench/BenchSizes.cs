namespace OrleansRep.Cli.Bench;

/// <summary>
/// Workload sizes. <see cref="Full"/> matches the Berkeley DB baseline command
/// <c>bdbbench local --n-nosync 500000 --n-sync 20000 --n-sync-mt 64000 --mt-threads 64 --n-get 2000000</c>.
/// </summary>
public sealed record BenchSizes(int NoSyncPuts, int SyncPuts, int SyncPutsConcurrent, int Writers, int Gets)
{
    public static readonly BenchSizes Full = new(500_000, 20_000, 64_000, 64, 2_000_000);

    public static readonly BenchSizes Quick = new(50_000, 2_000, 6_400, 64, 200_000);
}
