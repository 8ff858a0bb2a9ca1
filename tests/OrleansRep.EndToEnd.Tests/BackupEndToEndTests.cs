using System.Diagnostics;
using System.Text;
using OrleansRep.Client;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Storage;
using OrleansRep.Storage.Backup;
using OrleansRep.Storage.Tools;
using Xunit.Abstractions;

namespace OrleansRep.EndToEnd.Tests;

/// <summary>
/// A hot backup of a real site process under continuous writes through the client library, restored into a fresh
/// home: every environment verifies and every write acknowledged before the backup started is in it.
/// </summary>
public sealed class BackupEndToEndTests(ITestOutputHelper output)
{
    private const int Writers = 4;

    [Fact]
    public async Task A_site_backed_up_under_writes_restores_with_every_earlier_acknowledged_write_and_verifies()
    {
        await using var cluster = new SiloCluster(output);
        await cluster.StartAllAsync();
        var admin = cluster.ClientOptions();
        admin.Roles = Runtime.Transport.ClientRoles.All; // as `orep` connects: a backup needs Admin
        await using var client = await OrleansRepClient.ConnectAsync(admin);
        var ledger = new WriteLedger();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, Writers).Select(w => ContinuousWriter.RunAsync(client, w, ledger, stop.Token)).ToList();
        List<AcknowledgedWrite> before;
        SiteBackupStatus done;
        var progress = new List<SiteBackupStatus>();
        var target = Path.Combine(cluster.DataRoot, "backup-of-site-2");
        try
        {
            await cluster.WaitUntilAsync(() => Task.FromResult(ledger.Acknowledged.Count >= 300), () => $"only {ledger.Acknowledged.Count} writes acknowledged (refused: {string.Join(", ", ledger.Refused)})");
            before = [.. ledger.Acknowledged];

            // A quorum write may be acknowledged by the other client: wait until site 2 has applied each shard's newest
            // write of those (an AtLeast read through a client that knows only site 2); its log holds every earlier one.
            var options = cluster.ClientOptions(2);
            options.RetryDeadline = TimeSpan.FromSeconds(5);
            await using (var reader = new OrleansRepClient(options))
            {
                foreach (var latest in before.GroupBy(w => w.Shard).Select(g => g.MaxBy(w => (w.Token.Gen, w.Token.Lsn))!))
                {
                    await cluster.WaitUntilAsync(
                        async () => await reader.GetAsync(Encoding.UTF8.GetBytes(latest.Key), ReadOptions.AtLeast(latest.Token)) is not null,
                        () => $"site 2 has not applied {latest.Key} (shard {latest.Shard})");
                }
            }

            var acknowledgedAtStart = ledger.Acknowledged.Count;
            var started = Stopwatch.GetTimestamp();
            done = await client.BackupSiteAsync(2, target, new Recorder(progress));
            output.WriteLine($"backup: {done.BytesCopied} bytes in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s, {progress.Count} status polls; " +
                $"{ledger.Acknowledged.Count - acknowledgedAtStart} writes acknowledged during it");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(writers);
        }

        Assert.Empty(ledger.Unexpected);
        Assert.Equal(SiteBackupState.Done, done.State);
        Assert.Equal(["site", "shard-0", "shard-1"], done.Environments);
        Assert.True(progress.Count >= 1 && progress.Zip(progress.Skip(1)).All(p => p.First.BytesCopied <= p.Second.BytesCopied), "progress went backwards");

        var home = Path.Combine(cluster.DataRoot, "restored-site-2");
        var restored = BackupRestore.Run(target, home);
        Assert.Equal(done.Environments, restored.Select(r => r.Name));
        foreach (var env in restored)
        {
            var report = Verifier.Run(env.Home);
            Assert.True(report.Ok, $"{env.Home}: {string.Join("; ", report.Problems)} ({cluster.DataRoot})");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var shard in restored.Where(r => r.Name.StartsWith("shard-", StringComparison.Ordinal)))
        {
            using var env = StorageEnvironment.Open(shard.Home);
            using var read = env.BeginRead();
            foreach (var pair in read.OpenCursor(read.OpenDatabase("data")).Prefix(Encoding.UTF8.GetBytes("w")))
            {
                values[Encoding.UTF8.GetString(pair.Key.Span)] = Encoding.UTF8.GetString(pair.Value.Span);
            }
        }

        var missing = before.Where(w => !values.TryGetValue(w.Key, out var v) || v != w.Value).Select(w => w.Key).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {before.Count} writes acknowledged before the backup are not in it: {string.Join(", ", missing.Take(10))} ({cluster.DataRoot})");
        output.WriteLine($"restored {values.Count} keys; all {before.Count} acknowledged before the backup are there");
        cluster.Passed();
    }

    private sealed class Recorder(List<SiteBackupStatus> seen) : IProgress<SiteBackupStatus>
    {
        public void Report(SiteBackupStatus value) => seen.Add(value);
    }
}
