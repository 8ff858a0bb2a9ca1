namespace OrleansRep.Simulation.Runs;

/// <summary>What a simulator run is asked to do: the seed decides everything else.</summary>
public sealed record SimulatorOptions
{
    /// <summary>Default steps (site steps with faults on) per run of <c>orep sim</c>.</summary>
    public const int DefaultSteps = 20_000;

    public int Seed { get; init; }

    /// <summary>Overrides the number of sites the seed picks.</summary>
    public int? Sites { get; init; }

    /// <summary>Site steps with faults and workload on, before the quiet period.</summary>
    public int Steps { get; init; } = DefaultSteps;

    /// <summary>Simulated time after faults stop and the network heals, for the group to converge.</summary>
    public long QuietPeriod { get; init; } = SimTime.Seconds(30);

    /// <summary>Fail the run when the group has not converged after the quiet period (the default). Off
    /// (<c>--safety-only</c>) for runs whose quiet period is too short for a group to settle, such as CI's many short
    /// seeds: the invariants are still checked after every step.</summary>
    public bool RequireLiveness { get; init; } = true;

    /// <summary>Receives the run's readable trace, one line per received message, action and note (what a scenario
    /// shows), prefixed with the time and step; null (the default) to keep only the hash. Does not change the run.</summary>
    public Action<string>? TraceLine { get; init; }

    /// <summary>Tests only: one more checker for the run (e.g. one that fails on purpose).</summary>
    internal Func<Invariants.IInvariantChecker>? ExtraChecker { get; init; }

    public void Validate()
    {
        if (Steps < 1)
        {
            throw new ArgumentException("steps must be at least 1");
        }

        if (Sites is < 1 or > 64)
        {
            throw new ArgumentException("sites must be from 1 to 64");
        }

        if (QuietPeriod < 0)
        {
            throw new ArgumentException("the quiet period must not be negative");
        }
    }
}
