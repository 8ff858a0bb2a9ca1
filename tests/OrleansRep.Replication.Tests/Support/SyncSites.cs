namespace OrleansRep.Replication.Tests.Support;

/// <summary>Builds the client site of the sync and internal init tests, its state and its log; holds their master and generation.</summary>
internal static class SyncSites
{
    public const uint Gen = 2;
    public static readonly SiteId MasterId = new(2);
    public static readonly TimeSpan GapMin = TimeSpan.FromMilliseconds(40);

    public static RepPersistentState ClientState() => new() { Role = RepRole.Client, Gen = Gen, Master = MasterId };

    public static TestSite Client(ReplicationOptions? options = null, MemoryReplicaStore? store = null) =>
        new(1, options, ClientState(), store);

    /// <summary>Appends records of <paramref name="kinds"/> to the site's log, each with content derived from its LSN.</summary>
    public static void Append(TestSite site, params RecordKind[] kinds)
    {
        foreach (var kind in kinds)
        {
            site.Store.AppendLocal(kind, TestSite.Record(site.Store.LogEnd, kind).Frame);
        }
    }
}
