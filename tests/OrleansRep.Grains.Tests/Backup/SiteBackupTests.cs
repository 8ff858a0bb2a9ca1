using OrleansRep.Grains.Interfaces;
using OrleansRep.Grains.Tests.Shards;
using OrleansRep.Storage.Backup;
using static OrleansRep.Grains.Tests.Shards.ShardCluster;

namespace OrleansRep.Grains.Tests.Backup;

/// <summary>
/// <see cref="ISiteGrain.Backup"/> on the in-process cluster: a site's environment and every replica's go into the
/// directory, the status is polled to Done, bad directories are refused with a typed error before anything is written.
/// </summary>
public sealed class SiteBackupTests
{
    [Fact]
    public async Task A_site_backs_up_its_environments_and_reports_its_progress_and_bad_directories_are_refused()
    {
        await using var c = await StartAsync();
        var master = await c.WaitForMasterAsync(0, [1, 2, 3], "start");
        foreach (var key in c.KeysOf(0, "k").Take(50))
        {
            await c.PutAsync(0, master, key, "v-" + key);
        }

        var site = c.Site(3);
        Assert.Null(await site.BackupStatus());
        var scratch = Directory.CreateTempSubdirectory("orep-site-backup-").FullName;
        try
        {
            await Assert.ThrowsAsync<SiteBackupRejectedException>(() => ShardErrors.Typed(site.Backup("relative/dir")));
            var full = Path.Combine(scratch, "full");
            Directory.CreateDirectory(full);
            await File.WriteAllTextAsync(Path.Combine(full, "mine"), "x");
            var error = await Assert.ThrowsAsync<SiteBackupRejectedException>(() => ShardErrors.Typed(site.Backup(full)));
            Assert.Contains("not empty", error.Message, StringComparison.Ordinal);
            Assert.Null(await site.BackupStatus());

            var target = Path.Combine(scratch, "backup");
            var started = await ShardErrors.Typed(site.Backup(target));
            Assert.Equal((3, target, SiteBackupState.Running), (started.Site, started.Directory, started.State));
            var status = started;
            await c.WaitUntilAsync(async () => (status = (await site.BackupStatus())!).State != SiteBackupState.Running, () => $"the backup is still running: {status}");
            Assert.True(status.State == SiteBackupState.Done, $"{status.ErrorType}: {status.Error}");
            Assert.Equal(["site", .. Enumerable.Range(0, ShardCluster.Shards).Select(s => $"shard-{s}")], status.Environments);
            Assert.Equal(status.TotalBytes, status.BytesCopied);
            var manifest = BackupManifest.Read(target);
            Assert.Equal(status.BytesCopied, manifest.TotalBytes);
            Assert.Equal("site 3", manifest.Source);

            var restored = BackupRestore.Run(target, Path.Combine(scratch, "restored"));
            Assert.Equal(status.Environments, restored.Select(r => r.Name));
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }

        c.Passed();
    }
}
