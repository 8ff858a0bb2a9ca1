namespace OrleansRep.Silo.Dashboard;

/// <summary>A grain type across the sites that answered: activations now, and over the last interval calls and
/// failures per second and latency (mean, p99; ms) as the silos measured them (the runtime's <c>GrainStatistics</c>).</summary>
public sealed record DashboardGrainRow(string Type, long Activations, double CallsPerSecond, double FailuresPerSecond, double MeanMs, double P99Ms);
