namespace OrleansRep.Grains.Interfaces;

/// <summary>
/// What a handover did (<see cref="ILogShardGrain.Handover"/>): shard <see cref="Shard"/>'s mastership moved from
/// <see cref="From"/> to <see cref="To"/>, now master in <see cref="Gen"/>. <see cref="UnavailableMs"/>: from the
/// moment the old master stopped taking writes until the new one had opened for them; <see cref="CatchUpMs"/>: the
/// part of it spent waiting for the new master to have every write.
/// </summary>
public sealed record HandoverReport(int Shard, int From, int To, uint Gen, double UnavailableMs, double CatchUpMs);
