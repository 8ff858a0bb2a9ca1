namespace OrleansRep.Silo;

/// <summary>A site of the group as one site's membership view sees it (the <c>sites</c> of <c>/api/status</c>).</summary>
public sealed record SiteHealth(int Id, string Address, int Priority, bool Healthy);
