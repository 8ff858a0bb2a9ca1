namespace OrleansRep.Grains.Interfaces;

/// <summary>The ban credits the recovery master holds against <paramref name="Site"/> (CTDB's culprit credits): how
/// many, when it last earned one and why. At 2 × sites the site is banned; they are forgiven after the grace period
/// of good behaviour.</summary>
public sealed record SiteBanCredits(int Site, int Credits, DateTimeOffset LastAt, string Reason);
