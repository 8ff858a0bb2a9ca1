using OrleansRep.Replication;

namespace OrleansRep.Simulation.Cluster;

/// <summary>How to build one simulated site: its id, options (priority included), clock, tick period and disk.</summary>
public sealed record SiteSetup(SiteId Id, ReplicationOptions Options, long TickInterval, long DiskLatency, long ClockOffset = 0, int DriftPpm = 0);
