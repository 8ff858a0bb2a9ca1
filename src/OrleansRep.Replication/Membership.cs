using System.Collections.Immutable;
using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// The group's membership (reference section 6): join requests to the master, adding and removing sites
/// (SITE_ADDED, SITE_REMOVED, LOCAL_SITE_REMOVED), priorities; the group size that quorums and elections use.
/// The master owns the list: it commits each change (persisted, version + 1) and broadcasts the whole list;
/// clients forward changes to it and adopt newer versions it sends.
/// </summary>
internal sealed class Membership(NodeContext ctx)
{
    private readonly NodeContext _ctx = ctx;

    /// <summary>AddSite: the master adds the site; a client forwards the request to its master.</summary>
    public void Add(SiteInfo site)
    {
        ArgumentNullException.ThrowIfNull(site);
        if (!IsValid(site))
        {
            throw new ArgumentException($"cannot add {site}: it needs an id, an address and a priority of at least 0", nameof(site));
        }

        if (_ctx.IsMaster)
        {
            Commit(_ctx.State.Sites.SetItem(site.Id, site));
            return;
        }

        Forward(RepMessageType.JoinRequest, site);
    }

    /// <summary>RemoveSite: the master removes the site; a client forwards the request. The master itself cannot be
    /// removed (Berkeley DB refuses too): demote or hand over first.</summary>
    public void Remove(SiteId site)
    {
        if (site.IsNone)
        {
            throw new ArgumentException("no site to remove", nameof(site));
        }

        if (site == _ctx.Master || (site == _ctx.Self && _ctx.IsMaster))
        {
            throw new CommandRefusedException($"cannot remove {site}: it is the master");
        }

        if (_ctx.IsMaster)
        {
            RemoveAsMaster(site);
            return;
        }

        Forward(RepMessageType.RemoveRequest, _ctx.SiteOf(site) ?? new SiteInfo(site, "", 0));
    }

    /// <summary>SetPriority: persisted at once (elections use it); the master re-broadcasts the membership, a
    /// client tells the master (a join request for a member updates it).</summary>
    public void SetPriority(int priority)
    {
        if (priority < 0)
        {
            throw new ArgumentException($"priority {priority} must not be negative", nameof(priority));
        }

        var self = (_ctx.SiteOf(_ctx.Self) ?? new SiteInfo(_ctx.Self, "", _ctx.Options.Priority)) with { Priority = priority };
        if (_ctx.IsMaster)
        {
            Commit(_ctx.State.Sites.SetItem(self.Id, self));
            return;
        }

        _ctx.Persist(s => s with { Sites = s.Sites.SetItem(self.Id, self) });
        if (!_ctx.Master.IsNone)
        {
            _ctx.Send(Destination.To(_ctx.Master), RepMessageType.JoinRequest, Lsn.Zero, new SitePayload(self));
        }
    }

    public void OnMessage(RepMessage message)
    {
        switch (message.Type)
        {
            case RepMessageType.JoinRequest:
                OnJoinRequest(message);
                break;
            case RepMessageType.RemoveRequest:
                OnRemoveRequest(message);
                break;
            case RepMessageType.Membership:
                OnMembership(message);
                break;
            default:
                // NEWSITE: the transport learns of sites on its own; nothing for the machine to do.
                break;
        }
    }

    private void OnJoinRequest(RepMessage message)
    {
        var site = message.PayloadAs<SitePayload>().Site;
        if (site is null || !IsValid(site))
        {
            throw new MalformedMessageException($"JOIN_REQUEST from {message.From} names no valid site");
        }

        if (!_ctx.IsMaster)
        {
            throw new MalformedMessageException($"JOIN_REQUEST from {message.From} reached a site that is not master");
        }

        if (_ctx.SiteOf(site.Id) == site)
        {
            // Already a member as asked: the joiner may have missed the list, so send it again.
            SendList(Destination.To(message.From));
            return;
        }

        Commit(_ctx.State.Sites.SetItem(site.Id, site));
    }

    private void OnRemoveRequest(RepMessage message)
    {
        var site = message.PayloadAs<SitePayload>().Site;
        if (site is null || site.Id.IsNone)
        {
            throw new MalformedMessageException($"REMOVE_REQUEST from {message.From} names no site");
        }

        if (!_ctx.IsMaster || site.Id == _ctx.Self)
        {
            throw new MalformedMessageException($"REMOVE_REQUEST from {message.From} for {site.Id} cannot be served here");
        }

        RemoveAsMaster(site.Id);
    }

    private void RemoveAsMaster(SiteId site)
    {
        if (!_ctx.State.Sites.ContainsKey(site))
        {
            return;
        }

        Commit(_ctx.State.Sites.Remove(site));

        // The host may route broadcasts by membership, which no longer names the removed site: tell it directly.
        SendList(Destination.To(site));
    }

    /// <summary>A newer membership list from the master: adopt it, with events for the differences.</summary>
    private void OnMembership(RepMessage message)
    {
        var payload = message.PayloadAs<MembershipPayload>();
        var sites = ToMap(payload, message.From);
        if (_ctx.IsMaster || message.From != _ctx.Master)
        {
            throw new MalformedMessageException($"MEMBERSHIP from {message.From}, which is not this site's master");
        }

        if (payload.Version <= _ctx.State.MembershipVersion)
        {
            return; // not newer than what this site has
        }

        var before = _ctx.State.Sites;
        var wasMember = _ctx.State.MembershipVersion > 0 && before.ContainsKey(_ctx.Self);
        var ownEntry = before.GetValueOrDefault(_ctx.Self);
        if (!sites.ContainsKey(_ctx.Self) && !wasMember && ownEntry is not null)
        {
            // Not (yet) admitted: keep knowing itself so that its own priority and group size stay sane.
            sites = sites.SetItem(_ctx.Self, ownEntry);
        }
        else if (sites.TryGetValue(_ctx.Self, out var listed) && ownEntry is not null && listed.Priority != ownEntry.Priority)
        {
            // This site's own priority is its to set: keep it, and tell the master again.
            sites = sites.SetItem(_ctx.Self, listed with { Priority = ownEntry.Priority });
            _ctx.Send(Destination.To(message.From), RepMessageType.JoinRequest, Lsn.Zero, new SitePayload(sites[_ctx.Self]));
        }

        var removedSelf = wasMember && !sites.ContainsKey(_ctx.Self);
        _ctx.Persist(s => s with
        {
            Sites = sites,
            MembershipVersion = payload.Version,
            Role = removedSelf ? RepRole.None : s.Role,
            Master = removedSelf ? SiteId.None : s.Master,
        });
        RaiseDifferences(before, sites);
        if (removedSelf)
        {
            _ctx.Raise(RepEventKind.LocalSiteRemoved, _ctx.Self);
        }
    }

    /// <summary>The master commits a new list: persisted (version + 1) before it is broadcast; events for the
    /// differences.</summary>
    private void Commit(ImmutableSortedDictionary<SiteId, SiteInfo> sites)
    {
        var before = _ctx.State.Sites;
        if (sites.Count == before.Count && sites.All(kv => before.GetValueOrDefault(kv.Key) == kv.Value))
        {
            return;
        }

        _ctx.Persist(s => s with { Sites = sites, MembershipVersion = s.MembershipVersion + 1 });
        SendList(Destination.Broadcast);
        RaiseDifferences(before, sites);
    }

    private void SendList(Destination to) =>
        _ctx.Send(to, RepMessageType.Membership, Lsn.Zero, new MembershipPayload(_ctx.State.Sites.Values.ToList(), _ctx.State.MembershipVersion));

    private void RaiseDifferences(ImmutableSortedDictionary<SiteId, SiteInfo> before, ImmutableSortedDictionary<SiteId, SiteInfo> after)
    {
        foreach (var id in after.Keys.Where(id => !before.ContainsKey(id) && id != _ctx.Self))
        {
            _ctx.Raise(RepEventKind.SiteAdded, id);
        }

        foreach (var id in before.Keys.Where(id => !after.ContainsKey(id) && id != _ctx.Self))
        {
            _ctx.Raise(RepEventKind.SiteRemoved, id);
        }
    }

    private void Forward(RepMessageType type, SiteInfo site)
    {
        if (_ctx.Master.IsNone)
        {
            throw new CommandRefusedException($"no master known to forward the {type} for {site.Id} to");
        }

        _ctx.Send(Destination.To(_ctx.Master), type, Lsn.Zero, new SitePayload(site));
    }

    private static bool IsValid(SiteInfo site) => !site.Id.IsNone && site.Id.Value > 0 && site.Address is not null && site.Priority >= 0;

    private static ImmutableSortedDictionary<SiteId, SiteInfo> ToMap(MembershipPayload payload, SiteId from)
    {
        if (payload.Sites is null || payload.Version <= 0 || payload.Sites.Count > ElectionRound.MaxVoters)
        {
            throw new MalformedMessageException($"MEMBERSHIP from {from} without a valid list or version");
        }

        var builder = ImmutableSortedDictionary.CreateBuilder<SiteId, SiteInfo>();
        foreach (var site in payload.Sites)
        {
            if (site is null || !IsValid(site) || !builder.TryAdd(site.Id, site))
            {
                throw new MalformedMessageException($"MEMBERSHIP from {from} lists an invalid or repeated site");
            }
        }

        return builder.ToImmutable();
    }
}
