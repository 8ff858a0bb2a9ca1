namespace OrleansRep.Grains.Recovery;

/// <summary>What the recovery daemon's logic (<see cref="RecoveryLoop"/>) decided in one round, with why; the daemon
/// carries it out and records it in the site's event feed.</summary>
public abstract record RecoveryDecision(string Reason);

/// <summary>This daemon now believes <paramref name="Site"/> is the recovery master (0: no site can be).</summary>
public sealed record RecoveryMasterElected(int Site, string Reason) : RecoveryDecision(Reason);

/// <summary>The recovery master starts a recovery under the new <paramref name="MapGeneration"/>: pushed to every
/// active site; <paramref name="ShardsToElect"/> are stuck (no master) and get an election from
/// <paramref name="ElectFrom"/>.</summary>
public sealed record RecoveryStarted(long MapGeneration, IReadOnlyList<int> ShardsToElect, int ElectFrom, IReadOnlyList<int> Sites, string Reason) : RecoveryDecision(Reason);

/// <summary>Ban <paramref name="Site"/> for <paramref name="Period"/>.</summary>
public sealed record SiteBanned(int Site, TimeSpan Period, string Reason) : RecoveryDecision(Reason);

/// <summary>This daemon's own site's ban is over.</summary>
public sealed record SiteUnbanned(int Site, string Reason) : RecoveryDecision(Reason);

/// <summary>A takeover run: hand <paramref name="Shard"/> over from <paramref name="From"/> to <paramref name="To"/>.</summary>
public sealed record TakeoverHandover(int Shard, int From, int To, string Reason) : RecoveryDecision(Reason);
