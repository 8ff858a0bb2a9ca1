namespace OrleansRep.Replication;

/// <summary>A member of a replication group: its id, its address (host:port, opaque here) and its election priority
/// (0 = never master, never counted as a peer).</summary>
public sealed record SiteInfo(SiteId Id, string Address, int Priority)
{
    public bool Electable => Priority > 0;
}
