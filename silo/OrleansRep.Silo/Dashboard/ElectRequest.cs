namespace OrleansRep.Silo.Dashboard;

/// <summary>The body of <c>POST /api/elect</c>: the shard, and the site that calls the election (null: this site).</summary>
public sealed record ElectRequest(int? Shard, int? Site);
