using OrleansRep.Client.Tests.Fakes;
using OrleansRep.Grains.Interfaces;
using static OrleansRep.Client.Tests.ClientTestKit;

namespace OrleansRep.Client.Tests;

/// <summary><see cref="OrleansRepClient.BackupSiteAsync"/> against a fake site: the backup is started on the named
/// site, its status polled until done (each passed to the progress), a failure is a typed error.</summary>
public sealed class BackupTests
{
    [Fact]
    public async Task A_site_backup_is_started_on_that_site_and_followed_to_the_end()
    {
        var cluster = new FakeCluster();
        await using var client = ClientOn(cluster);
        var seen = new List<SiteBackupStatus>();
        var done = await client.BackupSiteAsync(2, "/backups/b1", new Recorder(seen));

        Assert.Equal(SiteBackupState.Done, done.State);
        Assert.Equal((2, 1000L, 1000L), (done.Site, done.BytesCopied, done.TotalBytes));
        Assert.Equal([0L, 400, 800, 1000], seen.Select(s => s.BytesCopied));
        Assert.Contains(cluster.Calls, c => c == (2, "backup /backups/b1"));
    }

    [Fact]
    public async Task A_failed_site_backup_is_a_typed_error_with_the_reason()
    {
        var cluster = new FakeCluster();
        await using var client = ClientOn(cluster);
        var error = await Assert.ThrowsAsync<SiteBackupFailedException>(() => client.BackupSiteAsync(1, "/fail"));
        Assert.Contains("No space left on device", error.Message, StringComparison.Ordinal);
        Assert.Contains("site 1", error.Message, StringComparison.Ordinal);
    }

    private sealed class Recorder(List<SiteBackupStatus> seen) : IProgress<SiteBackupStatus>
    {
        public void Report(SiteBackupStatus value) => seen.Add(value);
    }
}
