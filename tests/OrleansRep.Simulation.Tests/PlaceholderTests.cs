namespace OrleansRep.Simulation.Tests;

public sealed class PlaceholderTests
{
    [Fact]
    public void The_simulation_assembly_loads() => Assert.NotNull(typeof(SimulationPlaceholder).Assembly);
}
