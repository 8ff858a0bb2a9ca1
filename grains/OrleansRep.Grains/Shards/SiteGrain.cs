using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Runtime.Core;

namespace OrleansRep.Grains.Shards;

/// <summary>
/// The site ("site@{id}"): starts and reports its shard replicas, carries membership changes to every shard's master
/// (<see cref="GroupChange"/>), records the group membership as grain state in the site's own engine
/// (<see cref="Engine.EngineGrainStorage"/>, written through its WAL: the newest list its replicas hold), and serves the
/// site's event feed from the <see cref="SiteEventLog"/> the replicas write to.
/// </summary>
[Reentrant]
internal sealed class SiteGrain : Grain, ISiteGrain
{
    private readonly SiteStorageOptions _options;
    private readonly SiteEventLog _events;
    private readonly ISiteRegistry _registry;
    private readonly TimeProvider _time;
    private readonly IPersistentState<SiteMembershipState> _membership;
    private bool _recording; // reentrant: one state write at a time (ETags); a change seen meanwhile is recorded next time
    private int _site;

    public SiteGrain(SiteStorageOptions options, SiteEventLog events, ISiteRegistry registry, TimeProvider time)
    {
        _options = options;
        _events = events;
        _registry = registry;
        _time = time;
        _membership = GetPersistentState<SiteMembershipState>("membership", OrleansRepGrains.StorageName);
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!Runtime.Placement.SiteKey.TryParse(GrainId.Key, out _site) || GrainId.Key != GrainKeys.Site(_site))
        {
            throw new UnknownShardException($"'{GrainId.Key}' is not a site grain key (site@{{id}})");
        }

        if (_membership.State.Members.Count == 0)
        {
            _membership.State.Members.AddRange(_options.Sites.OrderBy(s => s.Key).Select(s => new SiteMember(s.Key, _registry.EndPointOf(s.Key) ?? $"site-{s.Key}", s.Value)));
            await _membership.WriteStateAsync(cancellationToken);
        }
    }

    public async Task Start() => await Task.WhenAll(Shards().Select(s => s.GetStatus()));

    public async Task<SiteStatus> GetStatus()
    {
        var shards = await Task.WhenAll(Shards().Select(s => s.GetStatus()));
        return new(_site, await RecordNewestMembersAsync(shards), shards);
    }

    public Task<IReadOnlyList<SiteEvent>> RecentEvents() => Task.FromResult(_events.Snapshot());

    public async Task<SiteBackupStatus> Backup(string directory)
    {
        await Start(); // every replica open, so each has registered its environment
        return ServiceProvider.GetRequiredService<Backup.SiteBackups>().Start(_site, directory);
    }

    public Task<SiteBackupStatus?> BackupStatus() => Task.FromResult(ServiceProvider.GetRequiredService<Backup.SiteBackups>().Status());

    public async Task AddSite(int site, string endPoint, int priority)
    {
        var address = SiteEndPoint.Check(endPoint);
        if (site < 1 || priority < 0)
        {
            throw new SiteChangeRejectedException(string.Create(CultureInfo.InvariantCulture, $"cannot add site {site} with priority {priority}: the id must be positive and the priority 0 or more"));
        }

        // Checked here first so that a conflict changes no shard at all (each master checks again).
        var members = await RecordNewestMembersAsync(await Task.WhenAll(Shards().Select(s => s.GetStatus())));
        if (members.FirstOrDefault(m => m.Site == site) is { } member && member.Address != address)
        {
            throw new SiteChangeRejectedException(string.Create(CultureInfo.InvariantCulture, $"site {site} is already a member at {member.Address}, not {address} (site ids are never reused)"));
        }

        if (_registry.EndPointOf(site) is { } registered && registered != address)
        {
            throw new SiteChangeRejectedException(string.Create(CultureInfo.InvariantCulture, $"site {site} is known at {registered}, not {address} (site ids are never reused)"));
        }

        await Change().RunAsync($"adding site {site} at {address}", shard => shard.AddSite(site, address, priority));
    }

    public async Task RemoveSite(int site)
    {
        var shards = await Task.WhenAll(Shards().Select(s => s.GetStatus()));
        var members = await RecordNewestMembersAsync(shards);
        if (members.All(m => m.Site != site))
        {
            throw new SiteChangeRejectedException(string.Create(CultureInfo.InvariantCulture, $"site {site} is not a member of the group ({string.Join(", ", members.Select(m => m.Site))})"));
        }

        if (shards.Where(s => s.Master == site).Select(s => s.Shard).ToList() is { Count: > 0 } mastered)
        {
            throw new SiteChangeRejectedException(string.Create(CultureInfo.InvariantCulture, $"site {site} is the master of shard(s) {string.Join(", ", mastered)}: hand them over to another site first (a master cannot be removed)"));
        }

        await Change().RunAsync($"removing site {site}", shard => shard.RemoveSite(site));
    }

    private GroupChange Change() => new(GrainFactory, _options, _site, _time);

    /// <summary>The newest membership any of this site's replicas holds, recorded in the site's state when it changed.</summary>
    private async Task<IReadOnlyList<SiteMember>> RecordNewestMembersAsync(IReadOnlyList<ReplicaStatus> shards)
    {
        var newest = shards.Where(s => s.Members.Count > 0).MaxBy(s => s.MembershipVersion)?.Members;
        if (newest is null)
        {
            return _membership.State.Members;
        }

        if (!_recording && !newest.SequenceEqual(_membership.State.Members))
        {
            _recording = true;
            try
            {
                _membership.State.Members.Clear();
                _membership.State.Members.AddRange(newest);
                await _membership.WriteStateAsync();
            }
            finally
            {
                _recording = false;
            }
        }

        return newest;
    }

    private IEnumerable<ILogShardGrain> Shards() =>
        Enumerable.Range(0, _options.Shards).Select(s => GrainFactory.GetGrain<ILogShardGrain>(GrainKeys.Shard(s, _site)));
}
