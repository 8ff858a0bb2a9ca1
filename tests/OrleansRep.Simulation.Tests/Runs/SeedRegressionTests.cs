using OrleansRep.Simulation.Runs;

namespace OrleansRep.Simulation.Tests.Runs;

/// <summary>Seeds that once failed, replayed as <c>orep sim --seed S --sites K --liveness</c> does (default steps and
/// quiet period): each must pass every invariant and converge.</summary>
public sealed class SeedRegressionTests
{
    [Theory]
    [InlineData(1777905565, 3)] // VERIFY without a record (master's log ends first) threw: a diverged tail never rolled back
    [InlineData(1777905555, 7)] // a lagging client asked for each next gap only after the longest back-off
    [InlineData(1777905562, 4)] // the lost tail of a stream was never re-requested by an idle group
    [InlineData(1777905509, 7)] // a full parking bound dropped what gap requests brought back; the client crawled
    [InlineData(1777905585, 4)] // checker: a log internal init left empty was compared with the master's first record
    [InlineData(1777905507, 5)] // no connection events: a client behind an idle master (no heartbeats) never learned it
    [InlineData(1777905646, 4)] // no connection events (as 1777905507)
    [InlineData(1777905783, 5)] // no connection events (as 1777905507)
    [InlineData(1777905789, 7)] // no connection events (as 1777905507)
    [InlineData(1007, 5)] // no connection events (as 1777905507)
    [InlineData(248, 5)] // a client mid-verify won a fast election with a tail no master wrote; acknowledged writes lost
    public void A_seed_that_once_failed_passes_with_liveness(int seed, int sites)
    {
        var result = Simulator.Run(new SimulatorOptions { Seed = seed, Sites = sites, RequireLiveness = true });

        Assert.True(result.Passed, $"seed {seed}: {result.Failure} | replay: {result.Replay}");
    }
}
