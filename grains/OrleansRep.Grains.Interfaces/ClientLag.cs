namespace OrleansRep.Grains.Interfaces;

/// <summary>
/// On a shard's master: how far <see cref="Site"/> is behind, counted in the master's own log after the last record the
/// site acknowledged (<see cref="Acked"/>, an LSN as <c>ulong</c>; 0: none in this generation, so the whole log counts):
/// <see cref="Records"/> records of <see cref="Bytes"/> bytes. Counting stops at a bound (<see cref="AtLeast"/>: there
/// are at least that many), so a status call stays cheap however far a client has fallen behind.
/// </summary>
public sealed record ClientLag(int Site, ulong Acked, long Records, long Bytes, bool AtLeast);
