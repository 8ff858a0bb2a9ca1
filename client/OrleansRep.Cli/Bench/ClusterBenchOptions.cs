using OrleansRep.Replication;

namespace OrleansRep.Cli.Bench;

/// <summary>What <c>orep bench cluster</c> runs.</summary>
internal sealed class ClusterBenchOptions
{
    /// <summary>Concurrent callers in the "_64c" phases (fixed: the phase names and the BDB baseline's 64 threads say 64).</summary>
    public const int ManyCallers = 64;

    /// <summary>Client connections (<see cref="Client.OrleansRepClient"/> instances) the callers share, caller i using
    /// client i mod N (<c>--clients</c>). Default 1: one client per process, as the client library recommends.</summary>
    public int Clients { get; init; } = 1;

    /// <summary>The ack policy of the commit phases (<c>--durability</c>). Default Quorum, as the phase names say.</summary>
    public AckPolicy Durability { get; init; } = AckPolicy.Quorum;

    /// <summary>Measured time per phase (<c>--duration</c>). Default 10 s (2 s with <c>--quick</c>).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Unmeasured time before each phase: connections opened, code jitted, group commit settled.
    /// Default a fifth of <see cref="Duration"/>, at least 0.5 s and at most 2 s.</summary>
    public TimeSpan WarmUp => TimeSpan.FromSeconds(Math.Clamp(Duration.TotalSeconds / 5, 0.5, 2));

    /// <summary>Seed of the read phases' key choice, so two runs read the same sequence. Default 5.</summary>
    public int Seed { get; init; } = 5;
}
