using OrleansRep.Simulation.Runs;
using OrleansRep.Simulation.Sites;

namespace OrleansRep.Simulation.Tests;

/// <summary>
/// Seeds that once failed an invariant, each kept as a regression test of the fix (the comment says which bug).
/// Each runs exactly as <c>orep sim --seed S --steps 1000 --quiet 2s</c> does.
/// </summary>
public sealed class SeedRegressionTests
{
    [Theory]
    // STARTUPDONE raised twice in one gen when a client re-adopted the same gen's master (Roles must expect start-up
    // once per gen, like NEWMASTER).
    [InlineData(228)]
    [InlineData(686)]
    public void Seed_passes_every_invariant(int seed)
    {
        var result = Simulator.Run(new SimulatorOptions { Seed = seed, Steps = 1_000, QuietPeriod = SimTime.Seconds(2) });

        Assert.True(result.Passed, $"seed {seed}: {result.Failure} | replay: {result.Replay}");
    }
}
