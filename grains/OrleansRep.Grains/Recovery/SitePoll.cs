using OrleansRep.Grains.Interfaces;

namespace OrleansRep.Grains.Recovery;

/// <summary>One site in one round: its view (null: it did not answer in time) and whether the polling silo's
/// membership holds it alive (a dead site's silence is no misbehaviour; a live one's is).</summary>
public sealed record SitePoll(int Site, RecoveryView? View, bool Alive);
