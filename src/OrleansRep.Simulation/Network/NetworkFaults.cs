namespace OrleansRep.Simulation.Network;

/// <summary>
/// How the simulated wire misbehaves: per-message probabilities and latencies in microseconds. <see cref="Perfect"/>
/// delivers everything once after <see cref="MinLatency"/>; a run draws its own profile from its seed.
/// </summary>
public sealed record NetworkFaults
{
    public double DropRate { get; init; }

    public double DuplicateRate { get; init; }

    /// <summary>Probability of a long delay (between <see cref="MaxLatency"/> and <see cref="MaxDelay"/>).</summary>
    public double DelayRate { get; init; }

    /// <summary>Probability that a message is sent to overtake what is already in flight on its link.</summary>
    public double ReorderRate { get; init; }

    /// <summary>Probability that an ANYWHERE request (not a REREQUEST) goes to another client than the one named.</summary>
    public double AnywhereRedirectRate { get; init; }

    /// <summary>Normal one-way latency range.</summary>
    public long MinLatency { get; init; } = 200;

    public long MaxLatency { get; init; } = 2_000;

    public long MaxDelay { get; init; } = 300_000;

    /// <summary>Reliable, in order per link (constant latency), no redirection.</summary>
    public static NetworkFaults Perfect { get; } = new() { MinLatency = 500, MaxLatency = 500 };

    /// <summary>The same latencies with every fault switched off (the quiet period at the end of a run).</summary>
    public NetworkFaults Quiet() => this with { DropRate = 0, DuplicateRate = 0, DelayRate = 0, ReorderRate = 0 };

    public void Validate()
    {
        foreach (var rate in new[] { DropRate, DuplicateRate, DelayRate, ReorderRate, AnywhereRedirectRate })
        {
            if (rate is < 0 or > 1)
            {
                throw new ArgumentException("fault rates are probabilities from 0 to 1");
            }
        }

        if (MinLatency < 1 || MaxLatency < MinLatency || MaxDelay < MaxLatency)
        {
            throw new ArgumentException("latencies must satisfy 1 <= MinLatency <= MaxLatency <= MaxDelay");
        }
    }
}
