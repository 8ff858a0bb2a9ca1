using OrleansRep.Replication.Inputs;

namespace OrleansRep.Grains.Interfaces;

/// <summary>
/// What a promotion did (<see cref="ILogShardGrain.Promote"/>). <see cref="UnavailableMs"/>: how long the shard took
/// no writes, from the moment the previous master stopped taking them (it stepped down) or, when it could not be
/// reached, from the start of the promotion, until this site opened for writes. <see cref="CatchUpMs"/>: the part of
/// it spent applying the log this site had received. <see cref="AlreadyMaster"/>: nothing was done.
/// </summary>
public sealed record PromotionReport(
    int Shard,
    int Site,
    PromotionMode Mode,
    uint Gen,
    int PreviousMaster,
    bool PreviousMasterSteppedDown,
    double UnavailableMs,
    double CatchUpMs,
    bool AlreadyMaster);
