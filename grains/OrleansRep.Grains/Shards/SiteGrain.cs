using OrleansRep.Grains.Interfaces;
using OrleansRep.Runtime.Core;

namespace OrleansRep.Grains.Shards;

/// <summary>
/// The site ("site@{id}"): starts and reports its shard replicas, keeps the group membership as grain state in the
/// site's own engine (<see cref="Engine.EngineGrainStorage"/>, written through its WAL), and serves the site's event
/// feed from the <see cref="SiteEventLog"/> the replicas write to.
/// </summary>
[Reentrant]
internal sealed class SiteGrain : Grain, ISiteGrain
{
    private readonly SiteStorageOptions _options;
    private readonly SiteEventLog _events;
    private readonly IPersistentState<SiteMembershipState> _membership;
    private int _site;

    public SiteGrain(SiteStorageOptions options, SiteEventLog events)
    {
        _options = options;
        _events = events;
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
            _membership.State.Members.AddRange(_options.Sites.OrderBy(s => s.Key).Select(s => new SiteMember(s.Key, $"site-{s.Key}", s.Value)));
            await _membership.WriteStateAsync(cancellationToken);
        }
    }

    public async Task Start() => await Task.WhenAll(Shards().Select(s => s.GetStatus()));

    public async Task<SiteStatus> GetStatus() =>
        new(_site, _membership.State.Members, await Task.WhenAll(Shards().Select(s => s.GetStatus())));

    public Task<IReadOnlyList<SiteEvent>> RecentEvents() => Task.FromResult(_events.Snapshot());

    private IEnumerable<ILogShardGrain> Shards() =>
        Enumerable.Range(0, _options.Shards).Select(s => GrainFactory.GetGrain<ILogShardGrain>(GrainKeys.Shard(s, _site)));
}
