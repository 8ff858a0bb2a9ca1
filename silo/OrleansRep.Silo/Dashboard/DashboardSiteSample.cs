using OrleansRep.Grains.Interfaces;
using OrleansRep.Runtime.Core;

namespace OrleansRep.Silo.Dashboard;

/// <summary>
/// One site's reading for the dashboard: its status (null when its site grain did not answer in time), its silo's
/// grain counters, and its events after the cursor the caller gave. <see cref="Incarnation"/> changes when the site's
/// process restarts (its event sequence then starts over); <see cref="LastSequence"/> is the cursor for the next call.
/// </summary>
public sealed record DashboardSiteSample(
    int Site,
    string Incarnation,
    SiteStatus? Status,
    IReadOnlyList<GrainTypeCounts> Grains,
    IReadOnlyList<DashboardEvent> Events,
    long LastSequence);
