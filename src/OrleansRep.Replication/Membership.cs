using OrleansRep.Replication.Messages;

namespace OrleansRep.Replication;

/// <summary>
/// The group's membership (reference section 6): join requests to the master, adding and removing sites
/// (SITE_ADDED, SITE_REMOVED, LOCAL_SITE_REMOVED), priorities; the group size that quorums and elections use.
/// </summary>
internal sealed class Membership(NodeContext ctx)
{
    private readonly NodeContext _ctx = ctx;

    public void Add(SiteInfo site)
    {
        _ = _ctx;
        _ = site;
    }

    public void Remove(SiteId site)
    {
        _ = site;
    }

    public void SetPriority(int priority)
    {
        _ = priority;
    }

    public void OnMessage(RepMessage message)
    {
        _ = message;
    }
}
