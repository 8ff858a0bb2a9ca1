using OrleansRep.Grains.Interfaces;

namespace OrleansRep.Client.Tests.Fakes;

/// <summary>A site of the <see cref="FakeCluster"/>: status of its replicas, members, recent events.</summary>
internal sealed class FakeSiteGrain(FakeCluster cluster, int site) : ISiteGrain
{
    public Task Start() => Task.CompletedTask;

    public Task<SiteStatus> GetStatus()
    {
        try
        {
            var members = Enumerable.Range(1, cluster.SiteCount).Select(s => new SiteMember(s, $"site-{s}", 100)).ToList();
            return Task.FromResult(new SiteStatus(site, members, [.. Enumerable.Range(0, cluster.Map.Shards).Select(s => cluster.Status(s, site))]));
        }
#pragma warning disable CA1031 // A down site's error becomes the faulted task a remote call would give.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return Task.FromException<SiteStatus>(e);
        }
    }

    /// <summary>Recorded as a call "add-site ID ENDPOINT PRIORITY" (the group change itself is the grains' to test).</summary>
    public Task AddSite(int id, string endPoint, int priority)
    {
        cluster.Calls.Enqueue((site, $"add-site {id} {endPoint} {priority}"));
        return Task.CompletedTask;
    }

    /// <summary>Recorded as a call "remove-site ID".</summary>
    public Task RemoveSite(int id)
    {
        cluster.Calls.Enqueue((site, $"remove-site {id}"));
        return Task.CompletedTask;
    }

    private SiteBackupStatus? _backup;

    /// <summary>Recorded as a call "backup DIR": a backup of 1,000 bytes that each status poll advances by 400 (the
    /// directory "/fail" fails at the end, as a disk error would).</summary>
    public Task<SiteBackupStatus> Backup(string directory)
    {
        cluster.Calls.Enqueue((site, $"backup {directory}"));
        _backup = new SiteBackupStatus(site, directory, SiteBackupState.Running, 0, 1000, "site", ["site", "shard-0"], null, null, DateTimeOffset.UnixEpoch, null);
        return Task.FromResult(_backup);
    }

    public Task<SiteBackupStatus?> BackupStatus()
    {
        if (_backup is { State: SiteBackupState.Running } b)
        {
            var copied = Math.Min(b.BytesCopied + 400, b.TotalBytes);
            _backup = copied < b.TotalBytes ? b with { BytesCopied = copied, Environment = "shard-0" }
                : b.Directory == "/fail" ? b with { State = SiteBackupState.Failed, Error = "No space left on device", ErrorType = "IOException" }
                : b with { State = SiteBackupState.Done, BytesCopied = copied };
        }

        return Task.FromResult(_backup);
    }

    public Task<IReadOnlyList<SiteEvent>> RecentEvents()
    {
        try
        {
            return Task.FromResult(cluster.Events(site));
        }
#pragma warning disable CA1031
        catch (Exception e)
#pragma warning restore CA1031
        {
            return Task.FromException<IReadOnlyList<SiteEvent>>(e);
        }
    }
}
