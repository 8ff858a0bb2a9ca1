namespace OrleansRep.Simulation.Runs;

/// <summary>What one seeded run did and found.</summary>
public sealed record SimulationResult
{
    public required int Seed { get; init; }

    public required int Sites { get; init; }

    /// <summary>Every site step, the quiet period's included.</summary>
    public required long Steps { get; init; }

    public required long SimulatedMicros { get; init; }

    public required string Shape { get; init; }

    public required FaultCounter Faults { get; init; }

    public required string TraceHash { get; init; }

    public required long Proposed { get; init; }

    public required long Committed { get; init; }

    public required long MessagesDelivered { get; init; }

    /// <summary>Null when the run passed; else what failed (an invariant, an exception out of a site, liveness).</summary>
    public string? Failure { get; init; }

    /// <summary>The step the failure was found at (0 for none or for liveness).</summary>
    public long FailureStep { get; init; }

    /// <summary>Why the group had not converged at the end (empty when it had); fails the run only when liveness
    /// is required.</summary>
    public required IReadOnlyList<string> NotConverged { get; init; }

    /// <summary>The command that reproduces this run exactly.</summary>
    public required string Replay { get; init; }

    public bool Passed => Failure is null;
}
