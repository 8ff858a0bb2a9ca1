namespace OrleansRep.Silo.Dashboard;

/// <summary>One point of the charts: commits per second (every shard's master), p99 commit latency (Put, Delete and
/// Batch at the masters; null with no commit in the interval) and the largest replication lag of any replica.</summary>
public sealed record DashboardChartSample(DateTimeOffset Time, double CommitsPerSecond, double? P99CommitMs, long MaxLagBytes, long MaxLagMs);
