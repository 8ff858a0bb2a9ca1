namespace OrleansRep.Simulation;

/// <summary>The seeded simulator of replication groups (issue 3); being built.</summary>
internal static class SimulationPlaceholder;
