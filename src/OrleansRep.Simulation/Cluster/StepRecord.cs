using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;

namespace OrleansRep.Simulation.Cluster;

/// <summary>One step of one site: the input it got at simulated time <see cref="Time"/>, and the actions it returned.
/// <see cref="EgenBefore"/> is the site's persisted election generation before the step (the election a vote or an
/// ELECTED in this step belongs to).</summary>
public sealed record StepRecord(long Index, long Time, SiteId Site, RepInput Input, IReadOnlyList<RepAction> Actions, uint EgenBefore);
