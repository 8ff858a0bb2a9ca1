using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Grains.Interfaces;

/// <summary>
/// A site's part in the recovery master's loop ("recovery@{site}", <see cref="GrainKeys.Recovery"/>; CTDB's
/// recoverd as seen by the others): answers the site's view, records the recovery master and map generation the
/// recovery master pushes, and carries out bans of its own site (priority 0 on every replica, its masterships handed
/// over first) and their end (priorities restored). A ban and the map generation are kept in the site's engine: a
/// restarted site is still banned until the ban's end (a ban that ended while it was down ends as it starts), and
/// reports the map generation it had; its start time is new.
/// </summary>
public interface IRecoveryGrain : IGrainWithStringKey
{
    /// <summary>This site's view: start time, flags, the recovery master it believes, its map generation and every
    /// shard's master as its replicas see it.</summary>
    [RequiresRole(ClientRoles.Read)]
    [ResponseTimeout("00:00:05")]
    Task<RecoveryView> GetView();

    /// <summary>The recovery master <paramref name="recoveryMaster"/> this site's daemon elected (CTDB records the
    /// election's winner as recmaster).</summary>
    [RequiresRole(ClientRoles.Admin)]
    Task SetRecoveryMaster(int recoveryMaster);

    /// <summary>From the recovery master: a recovery under map generation <paramref name="mapGeneration"/> for
    /// <paramref name="reason"/>. An older generation than this site holds changes nothing.</summary>
    [RequiresRole(ClientRoles.Admin)]
    Task AcceptRecovery(int recoveryMaster, long mapGeneration, string reason);

    /// <summary>Bans this site for <paramref name="seconds"/>: every replica's election priority goes to 0 (the previous
    /// one is kept to restore) and the shards it masters are handed over to the other sites first (waiting at most
    /// <paramref name="handoverWaitMs"/> for each). A banned site never wins an election, for shards or for recovery
    /// master. Banning again extends or shortens the ban.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Seconds not positive, or wait negative; nothing changed.</exception>
    [RequiresRole(ClientRoles.Admin)]
    [ResponseTimeout("00:02:00")]
    Task<RecoveryView> Ban(int seconds, string reason, int handoverWaitMs);

    /// <summary>Ends this site's ban (the operator, or the ban period elapsed): priorities restored, start time reset
    /// to now. Not banned: nothing changes.</summary>
    [RequiresRole(ClientRoles.Admin)]
    [ResponseTimeout("00:00:30")]
    Task<RecoveryView> Unban(string reason);

    /// <summary>From this site's own recovery daemon while it is the recovery master: the ban credits it holds
    /// (shown in <see cref="RecoveryView.BanCredits"/>; empty when it is not the recovery master).</summary>
    [RequiresRole(ClientRoles.Admin)]
    Task ReportBanCredits(IReadOnlyList<SiteBanCredits> credits);

    /// <summary>This site is stopping (graceful shutdown): it no longer takes part in the recovery master's election.</summary>
    [RequiresRole(ClientRoles.Admin)]
    Task MarkStopped();
}
