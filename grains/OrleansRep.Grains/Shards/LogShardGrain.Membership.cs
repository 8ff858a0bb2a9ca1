using System.Collections.Immutable;
using System.Globalization;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Replication.Inputs;

namespace OrleansRep.Grains.Shards;

/// <summary>
/// The replica's part in membership changes (sites added and removed while the cluster runs): the group a new replica
/// starts with, the admin calls a shard's master carries out, the peer links kept equal to the machine's membership
/// (<see cref="ShardPeers"/>), a joining replica asking for the group's list, and a removed replica retiring.
/// </summary>
internal sealed partial class LogShardGrain
{
    private ReplicationNode? _retired;
    private long? _lastJoinRequest;

    /// <summary>The machine, also of a retired replica (whose status still answers).</summary>
    private ReplicationNode StatusNode => _node ?? _retired ?? throw _unusable!;

    /// <summary>Created by a joining site (<see cref="SiteStorageOptions.Join"/>) and not had the group's list from a
    /// master yet: it calls no election (it is not a member until the group says so) and asks its master for the list.</summary>
    private bool Joining => _store?.State.MembershipVersion == 0;

    /// <summary>The group a new replica starts with: every site of the options, at the endpoint the silo's site table
    /// has for it ("site-N" where it has none). A founding site's group is version 1; a joining site's is version 0
    /// (not the group's yet: it adopts the master's list, whatever its version).</summary>
    private RepPersistentState InitialState()
    {
        var sites = options.Sites.Select(s => new SiteInfo(new SiteId(s.Key), registry.EndPointOf(s.Key) ?? $"site-{s.Key}", s.Value))
            .ToImmutableSortedDictionary(s => s.Id, s => s);
        return new RepPersistentState { Sites = sites, MembershipVersion = options.Join ? 0 : 1 };
    }

    /// <summary>A link to <paramref name="peer"/>'s replica and its sender loop.</summary>
    private PeerLink OpenLink(SiteId peer)
    {
        var link = new PeerLink(peer, options.MaxQueuedMessagesPerPeer, options.MaxDeliveryBytes, options.MaxDeliveriesInFlight);
        var target = GrainFactory.GetGrain<ILogShardGrain>(GrainKeys.Shard(_shard, peer.Value));
        var site = _site;
        // Started on this activation's scheduler (continuations come back to it), without the context of whatever call
        // caused it: the link's calls are the replica's own.
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Factory.StartNew(() => link.RunAsync(batch => target.Deliver(site, batch), (up, gone) => OnPeerChanged(peer, up, gone)), CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Current).Unwrap();
        }

        return link;
    }

    private void RegistrationFailed(SiteInfo site, ArgumentException error) =>
        ShardLog.RegistrationFailed(_log, _shard, _site, site.Id.Value, site.Address, error.Message);

    /// <summary>After a step that persisted a new membership: completes removed peers' links, greets new ones (the
    /// machine's PeerConnected), or retires the replica when its own site is no longer a member. False when retired.</summary>
    private bool AfterMembershipChanged(IReadOnlyList<SiteId> joined)
    {
        if (RetireIfRemoved())
        {
            return false;
        }

        _links.CompleteRemoved(Node.State.Sites.Keys.ToHashSet());
        foreach (var peer in joined)
        {
            Run(new PeerConnected(peer));
        }

        return _node is not null;
    }

    /// <summary>A replica whose site a committed membership no longer lists (LOCAL_SITE_REMOVED, now or before a
    /// restart) takes no part any more: links completed, no ticks, every call refused with
    /// <see cref="SiteRemovedException"/>; its status still answers (<see cref="ReplicaStatus.Removed"/>).</summary>
    private bool RetireIfRemoved()
    {
        var state = Store.State;
        if (state.MembershipVersion == 0 || state.Sites.ContainsKey(new SiteId(_site)))
        {
            return false;
        }

        _retired = _node;
        _node = null;
        _unusable = new SiteRemovedException(string.Create(CultureInfo.InvariantCulture, $"site {_site} was removed from shard {_shard}'s group (membership version {state.MembershipVersion}); it serves nothing"));
        _links.CompleteAll();
        foreach (var waiting in _proposals.Values)
        {
            waiting.TrySetException(_unusable);
        }

        _proposals.Clear();
        ShardLog.Retired(_log, _shard, _site, state.MembershipVersion);
        return true;
    }

    /// <summary>A joining replica that knows its master but has not had the group's list: asks for it once a second
    /// (a JOIN_REQUEST with its own entry; the master answers with the list, or records the entry if it differs).
    /// The list the master broadcast when it added this site may have arrived before this replica knew its master.</summary>
    private void AskForGroupIfJoining()
    {
        var node = _node;
        if (node is null || !Joining || node.Role != RepRole.Client || node.Master.IsNone || Now - _lastJoinRequest < 1_000_000)
        {
            return;
        }

        _lastJoinRequest = Now;
        if (node.State.Sites.TryGetValue(new SiteId(_site), out var self))
        {
            try
            {
                Run(new Command(new AddSite(self)));
            }
            catch (CommandRefusedException)
            {
                // No master after all: asked again on a later tick.
            }
        }
    }

    private static IReadOnlyList<SiteMember> MembersOf(ReplicationNode node) =>
        [.. node.State.Sites.Values.Select(s => new SiteMember(s.Id.Value, s.Address, s.Priority))];

    // ---- admin (on the shard's master) -------------------------------------------------------------------------

    public Task<long> AddSite(int site, string endPoint, int priority)
    {
        var node = Node;
        var address = SiteEndPoint.Check(endPoint);
        if (site < 1 || priority < 0)
        {
            throw new SiteChangeRejectedException(string.Create(CultureInfo.InvariantCulture, $"cannot add site {site} with priority {priority}: the id must be positive and the priority 0 or more"));
        }

        RequireMaster(node);
        if (node.State.Sites.TryGetValue(new SiteId(site), out var member))
        {
            if (member.Address != address)
            {
                throw new SiteChangeRejectedException(string.Create(CultureInfo.InvariantCulture, $"site {site} is already a member of shard {_shard}'s group at {member.Address}, not {address} (site ids are never reused)"));
            }

            if (member.Priority == priority)
            {
                return Task.FromResult(node.State.MembershipVersion);
            }
        }

        try
        {
            // Before the change: the new member's grains must be placeable when the new list is sent to it.
            registry.Register(site, address);
        }
        catch (ArgumentException e)
        {
            throw new SiteChangeRejectedException($"cannot add site {site} at {address}: {e.Message}", e);
        }

        return Task.FromResult(Change(new AddSite(new SiteInfo(new SiteId(site), address, priority))));
    }

    public Task<long> RemoveSite(int site)
    {
        var node = Node;
        RequireMaster(node);
        if (!node.State.Sites.ContainsKey(new SiteId(site)))
        {
            throw new SiteChangeRejectedException(string.Create(CultureInfo.InvariantCulture, $"site {site} is not a member of shard {_shard}'s group ({string.Join(", ", node.State.Sites.Keys.Select(k => k.Value))})"));
        }

        if (site == _site)
        {
            throw new SiteChangeRejectedException(string.Create(CultureInfo.InvariantCulture, $"site {site} is shard {_shard}'s master: hand the shard over to another site first (a master cannot remove itself)"));
        }

        return Task.FromResult(Change(new RemoveSite(new SiteId(site))));
    }

    private void RequireMaster(ReplicationNode node)
    {
        if (node.Role != RepRole.Master)
        {
            throw node.Master.IsNone
                ? new ShardUnavailableException($"shard {_shard} has no master now (election under way); retry shortly")
                : new NotMasterException(_shard, _site, node.Master.Value);
        }
    }

    /// <summary>Runs a membership command on the master; the new list is persisted (committed) when the step returns.</summary>
    private long Change(RepCommand command)
    {
        try
        {
            Run(new Command(command));
        }
        catch (CommandRefusedException e)
        {
            throw new SiteChangeRejectedException(e.Message, e);
        }

        FlushIfWanted();
        return Node.State.MembershipVersion;
    }
}
