using OrleansRep.Replication;
using OrleansRep.Replication.Inputs;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Grains.Interfaces;

/// <summary>
/// One shard's replica on one site ("shard/{shard}@{site}", see <see cref="GrainKeys.Shard"/>). Writes go to the
/// shard's master; any replica serves reads. Every hot argument and result is a codec hot type (byte[], long, int,
/// enums): keys and values as bytes, commit tokens as their 20 bytes (<see cref="CommitToken.WriteTo"/>), batches and
/// scan pages in <see cref="KeyValueCodec"/>'s binary layout.
/// Errors (remote callers get them back through <see cref="ShardErrors.Translate"/>): <see cref="NotMasterException"/>,
/// <see cref="ShardUnavailableException"/>, <see cref="DurabilityNotMetException"/>, <see cref="KeyTooLargeException"/>,
/// <see cref="ValueTooLargeException"/>, <see cref="CommitTokenLostException"/>, <see cref="UnknownShardException"/>.
/// </summary>
public interface ILogShardGrain : IGrainWithStringKey
{
    /// <summary>Master: writes <paramref name="value"/> under <paramref name="key"/>; returns the 20-byte commit token once
    /// <paramref name="durability"/> is met (<see cref="DurabilityNotMetException"/> when it is not in time: committed
    /// locally, may survive or be rolled back).</summary>
    [RequiresRole(ClientRoles.Write)]
    Task<byte[]> Put(byte[] key, byte[] value, AckPolicy durability);

    /// <summary>Master: removes <paramref name="key"/> (no error if absent); returns the commit token.</summary>
    [RequiresRole(ClientRoles.Write)]
    Task<byte[]> Delete(byte[] key, AckPolicy durability);

    /// <summary>Master: applies <paramref name="operations"/> (<see cref="KeyValueCodec.EncodeBatch"/>) atomically; every key
    /// must belong to this shard. Returns the commit token.</summary>
    [RequiresRole(ClientRoles.Write)]
    Task<byte[]> Batch(byte[] operations, AckPolicy durability);

    /// <summary>The value of <paramref name="key"/>, or null. <paramref name="maxStalenessMs"/> bounds
    /// <see cref="ReadConsistency.AnyReplica"/> (0: no bound); <paramref name="token"/> is the commit token for
    /// <see cref="ReadConsistency.AtLeast"/>.</summary>
    [RequiresRole(ClientRoles.Read)]
    Task<byte[]?> Read(byte[] key, ReadConsistency consistency, long maxStalenessMs, byte[]? token);

    /// <summary>Keys from <paramref name="startKey"/> (inclusive, empty: first) to <paramref name="endKey"/> (exclusive, empty: no
    /// end) that start with <paramref name="prefix"/> (empty: any), at most <paramref name="limit"/> of them, as a page
    /// (<see cref="KeyValueCodec.DecodePage"/>) whose continuation is the <paramref name="startKey"/> of the next call.</summary>
    [RequiresRole(ClientRoles.Read)]
    Task<byte[]> Scan(byte[] startKey, byte[] endKey, byte[] prefix, int limit, ReadConsistency consistency, long maxStalenessMs, byte[]? token);

    /// <summary>This replica's role, generation, log end, master and lag.</summary>
    [RequiresRole(ClientRoles.Read)]
    Task<ReplicaStatus> GetStatus();

    /// <summary>Holds an election for this shard now, from this site (<c>orep elect</c> lands on <see cref="IElectionGrain"/>,
    /// which calls this).</summary>
    [RequiresRole(ClientRoles.Admin)]
    Task CallElection();

    /// <summary>
    /// Promotes this replica to the shard's master by hand, as PostgreSQL promotes a standby: the current master, if
    /// reachable, is asked to step down first (no two masters take writes); the log this replica has received is
    /// applied; then it takes a new generation and opens for writes (<see cref="PromotionMode.Fast"/>, a checkpoint
    /// follows in the background) or checkpoints first (<see cref="PromotionMode.CheckpointFirst"/>). Whatever the
    /// previous master had that this replica never received is rolled back there when it syncs (listed in its
    /// ROLLED_BACK event and status). Waits at most <paramref name="waitMs"/> for it all. A master: nothing to do.
    /// </summary>
    /// <exception cref="RoleChangeRefusedException">Priority 0, internal init, generations exhausted, the log not applied in
    /// time, a lease grant binding longer than the wait; nothing changed on this replica.</exception>
    [RequiresRole(ClientRoles.Admin)]
    [ResponseTimeout("00:10:00")]
    Task<PromotionReport> Promote(PromotionMode mode, int waitMs);

    /// <summary>Master of generation <paramref name="gen"/> (the one the caller follows): stops being master (writes
    /// refused, pending ones answered), for <paramref name="forSite"/>'s promotion; returns this replica's log end
    /// (<c>Lsn.ToUInt64()</c>). Not master: nothing changes, same answer. Master of another generation (a request that
    /// arrived late, or a newer master): <see cref="RoleChangeRefusedException"/>, nothing changes.</summary>
    [RequiresRole(ClientRoles.Admin)]
    [ResponseTimeout("00:00:05")]
    Task<ulong> StepDown(int forSite, uint gen);

    /// <summary>
    /// Master: moves mastership to <paramref name="toSite"/> with no lost writes: stops taking writes, waits (at most
    /// <paramref name="waitMs"/>) until <paramref name="toSite"/> has acknowledged every write, steps down and has it
    /// promoted. When <paramref name="toSite"/> does not catch up in time, writes resume here and nothing changed.
    /// </summary>
    /// <exception cref="NotMasterException">This replica is not the master.</exception>
    /// <exception cref="RoleChangeRefusedException">Not a member, priority 0, not caught up in time, or its promotion failed.</exception>
    [RequiresRole(ClientRoles.Admin)]
    [ResponseTimeout("00:10:00")]
    Task<HandoverReport> Handover(int toSite, int waitMs);

    /// <summary>Master: adds <paramref name="site"/> to this shard's group (<see cref="ISiteGrain.AddSite"/> calls it on
    /// every shard's master); returns the membership version that holds it, committed.</summary>
    /// <exception cref="NotMasterException">This replica is not the master (go to <see cref="NotMasterException.Master"/>).</exception>
    /// <exception cref="SiteChangeRejectedException">Bad input or a conflicting member; nothing changed.</exception>
    [RequiresRole(ClientRoles.Admin)]
    Task<long> AddSite(int site, string endPoint, int priority);

    /// <summary>Master: removes <paramref name="site"/> from this shard's group; returns the committed membership version.</summary>
    /// <exception cref="NotMasterException">This replica is not the master.</exception>
    /// <exception cref="SiteChangeRejectedException">Not a member, or this master itself; nothing changed.</exception>
    [RequiresRole(ClientRoles.Admin)]
    Task<long> RemoveSite(int site);

    /// <summary>Site to site: replication messages from <paramref name="fromSite"/>'s replica of this shard, as
    /// <c>RepMessageCodec</c> frames. A batch that does not decode is refused with <see cref="FormatException"/> and
    /// changes nothing. A short timeout: a peer that hangs must not hold the sender's queue for long (its batch is
    /// dropped and re-requested).</summary>
    [RequiresRole(ClientRoles.Admin)]
    [ResponseTimeout("00:00:05")]
    Task Deliver(int fromSite, byte[] messages);

    /// <summary>Sets this site's election priority for this shard (0: never master; the recovery master's ban) and
    /// returns the previous one. A master commits the group's new list; a client persists it and tells its master.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative; nothing changed.</exception>
    [RequiresRole(ClientRoles.Admin)]
    Task<int> SetElectionPriority(int priority);
}
