using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Grains.Interfaces;

/// <summary>
/// The site itself ("site@{site}", <see cref="GrainKeys.Site"/>): its shard replicas, its group membership (kept as
/// grain state in the site's engine) and its event feed, a stream in namespace <see cref="SiteStatus.EventNamespace"/>
/// keyed by the site id, carrying <see cref="SiteEvent"/>s.
/// </summary>
public interface ISiteGrain : IGrainWithStringKey
{
    /// <summary>Activates every shard replica of this site (the silo host calls it at start; idempotent).</summary>
    [RequiresRole(ClientRoles.Admin)]
    Task Start();

    /// <summary>Every shard replica of this site: role, gen, LSN, master, lag.</summary>
    [RequiresRole(ClientRoles.Read)]
    Task<SiteStatus> GetStatus();

    /// <summary>
    /// Adds site <paramref name="site"/> at <paramref name="endPoint"/> (its site-to-site "ip:port") with election
    /// <paramref name="priority"/> to every shard's group: each shard's master (wherever it is) commits the change and
    /// broadcasts it, and the other sites learn the endpoint from it. Returns once every shard's master committed it.
    /// Idempotent: adding a member again as it is changes nothing.
    /// </summary>
    /// <exception cref="SiteChangeRejectedException">Bad input, or the id is a member at another endpoint; nothing changed.</exception>
    /// <exception cref="SiteChangeIncompleteException">Some shards did not commit it in time (listed).</exception>
    [RequiresRole(ClientRoles.Admin)]
    [ResponseTimeout("00:01:00")]
    Task AddSite(int site, string endPoint, int priority);

    /// <summary>Removes site <paramref name="site"/> from every shard's group (its replicas stop taking part). Refused
    /// while the site is any shard's master: hand the shard over first.</summary>
    /// <exception cref="SiteChangeRejectedException">Not a member, or a shard's master; nothing changed.</exception>
    /// <exception cref="SiteChangeIncompleteException">Some shards did not commit it in time (listed).</exception>
    [RequiresRole(ClientRoles.Admin)]
    [ResponseTimeout("00:01:00")]
    Task RemoveSite(int site);

    /// <summary>
    /// Starts a hot backup of this site's environments (its own and every shard replica's; writes go on) into
    /// <paramref name="directory"/>, an absolute path on this site's host, absent or empty; returns at once. Follow it
    /// with <see cref="BackupStatus"/>. One backup at a time per site.
    /// </summary>
    /// <exception cref="SiteBackupRejectedException">A relative or non-empty directory, or a backup is running; nothing written.</exception>
    [RequiresRole(ClientRoles.Admin)]
    Task<SiteBackupStatus> Backup(string directory);

    /// <summary>The latest backup of this site (running, done or failed), or null if none was started since the silo started.</summary>
    [RequiresRole(ClientRoles.Read)]
    Task<SiteBackupStatus?> BackupStatus();

    /// <summary>The newest events of this site's replicas (at most the retained window), oldest first.</summary>
    [RequiresRole(ClientRoles.Read)]
    Task<IReadOnlyList<SiteEvent>> RecentEvents();
}
