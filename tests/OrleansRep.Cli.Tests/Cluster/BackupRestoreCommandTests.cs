using System.Text;
using OrleansRep.Cli.Tests.Support;
using OrleansRep.Client.Tests.Cluster;
using OrleansRep.Storage;
using OrleansRep.Storage.Backup;
using Xunit.Abstractions;

namespace OrleansRep.Cli.Tests.Cluster;

/// <summary><c>orep backup</c> against three real sites (the grains on a TestCluster, loopback gateways; the site's
/// host is this machine) and <c>orep restore</c> / <c>orep db verify</c> on the result, as processes: exit codes 0,
/// 2 (a relative or non-empty directory, nothing written), 3 (a backup without its manifest).</summary>
[Collection(nameof(OrepOnSitesTests))]
public sealed class BackupRestoreCommandTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Orep_backs_up_a_site_restores_it_and_the_result_verifies_and_holds_the_writes()
    {
        using var dir = new ScratchDirectory(output);
        await using var sites = await SiteCluster.StartAsync();
        using var orep = new ProcessFixture();
        var secret = dir.Combine("cluster.secret");
        await File.WriteAllTextAsync(secret, Encoding.UTF8.GetString(sites.Cluster.ClusterSecret) + "\n");
        var cluster = string.Join(",", sites.Gateways);
        Task<CliResult> Run(params string[] args) => orep.RunAsync([.. args, "--cluster", cluster, "--secret-file", secret, "--timeout", "60"]);

        await using (var client = await sites.ConnectAsync())
        {
            for (var i = 0; i < 40; i++)
            {
                await SiteCluster.PutAckedAsync(client, $"key{i:D2}", $"value{i}");
            }
        }

        var relative = await Run("backup", "--site", "2", "--to", "backups/b1");
        Assert.True(relative.ExitCode == 2 && relative.Stderr.Contains("absolute", StringComparison.Ordinal), relative.ToString());
        var full = dir.Combine("full");
        Directory.CreateDirectory(full);
        await File.WriteAllTextAsync(Path.Combine(full, "mine"), "x");
        var notEmpty = await Run("backup", "--site", "2", "--to", full);
        Assert.True(notEmpty.ExitCode == 2 && notEmpty.Stderr.Contains("not empty", StringComparison.Ordinal), notEmpty.ToString());
        Assert.Equal(["mine"], Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName));

        var target = dir.Combine("backup");
        var backup = await Run("backup", "--site", "2", "--to", target);
        Assert.True(backup.ExitCode == 0, backup.ToString());
        Assert.Matches($@"^backup of site 2 to {System.Text.RegularExpressions.Regex.Escape(target)}: \d+ bytes \(site, shard-0, shard-1\) in \d+\.\d s, \d+\.\d MB/s\n$", backup.Stdout);
        Assert.Matches(@"backup: \d+\.\d of \d+\.\d MiB \(\d+%\)", backup.Stderr);
        Assert.True(File.Exists(Path.Combine(target, BackupManifest.FileName)));

        var home = dir.Combine("site-4");
        var restore = await orep.RunAsync("restore", "--from", target, "--home", home);
        Assert.True(restore.ExitCode == 0, restore.ToString());
        var lines = restore.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"restored {target} (site 2, taken ", lines[0], StringComparison.Ordinal);
        Assert.Equal(["site", "shard-0", "shard-1"], lines[1..4].Select(l => l.Trim().Split(':')[0]));
        Assert.StartsWith("check with: orep db verify --home ", lines[4], StringComparison.Ordinal);
        foreach (var env in new[] { "site", "shard-0", "shard-1" })
        {
            var verify = await orep.RunAsync("db", "verify", "--home", Path.Combine(home, env));
            Assert.True(verify.ExitCode == 0 && verify.Stdout.Contains("verify: OK", StringComparison.Ordinal), verify.ToString());
        }

        // Every acknowledged write is in one of the restored shards, with its value.
        var found = new Dictionary<string, string>();
        foreach (var shard in new[] { "shard-0", "shard-1" })
        {
            using var env = StorageEnvironment.Open(Path.Combine(home, shard));
            using var read = env.BeginRead();
            foreach (var pair in read.OpenCursor(read.OpenDatabase("data")).Prefix(Encoding.UTF8.GetBytes("key")))
            {
                found.Add(Encoding.UTF8.GetString(pair.Key.Span), Encoding.UTF8.GetString(pair.Value.Span));
            }
        }

        Assert.Equal(Enumerable.Range(0, 40).Select(i => ($"key{i:D2}", $"value{i}")), found.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value)));

        var again = await orep.RunAsync("restore", "--from", target, "--home", home);
        Assert.True(again.ExitCode == 2 && again.Stderr.Contains("not empty", StringComparison.Ordinal), again.ToString());
        File.Delete(Path.Combine(target, BackupManifest.FileName));
        var incomplete = await orep.RunAsync("restore", "--from", target, "--home", dir.Combine("other"));
        Assert.True(incomplete.ExitCode == 3 && incomplete.Stderr.Contains(BackupManifest.FileName, StringComparison.Ordinal), incomplete.ToString());
        Assert.False(Directory.Exists(dir.Combine("other")));
        sites.Passed();
        dir.Passed();
    }
}
