using OrleansRep.Replication;

namespace OrleansRep.Simulation.Cluster;

/// <summary>Something the cluster does at a simulated time, besides delivering messages.</summary>
internal abstract record SimWork;

/// <summary>A site's next tick (ignored when the site crashed since it was scheduled).</summary>
internal sealed record TickDue(SiteId Site, int Incarnation) : SimWork;

/// <summary>A site's flush finished on its disk.</summary>
internal sealed record FlushDone(SiteId Site, int Incarnation) : SimWork;

/// <summary>A site's long-running action (checkpoint, snapshot preparation, chunk store) finished.</summary>
internal sealed record CompletionDue(SiteId Site, int Incarnation, long ActionId) : SimWork;

/// <summary>The driver's own work (workload, faults) at its time.</summary>
internal sealed record TimerDue(Action Run) : SimWork;
