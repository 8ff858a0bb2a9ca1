using System.Globalization;
using System.Text;
using OrleansRep.Client;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Runtime.Testing;
using OrleansRep.Runtime.Transport;
using OrleansRep.Storage.Backup;
using Xunit.Abstractions;

namespace OrleansRep.EndToEnd.Tests;

/// <summary>
/// AUTOINIT off (<c>--no-autoinit</c>): a site that joins with an empty home after the master archived the log it
/// would need raises JOIN_FAILURE and copies nothing; restored from another site's backup, it joins from the log
/// instead of by internal init and serves every write.
/// </summary>
public sealed class RestoredSiteJoinEndToEndTests(ITestOutputHelper output)
{
    private const int BigValues = 240; // 64 KiB each: 15 MiB of log, past the first 10 MiB log file

    [Fact]
    public async Task A_site_without_autoinit_reports_join_failure_and_joins_from_a_restored_backup()
    {
        await using var cluster = new SiloCluster(output, shards: 1);
        cluster.ExtraArguments.Add("--LogArchiveInterval=00:00:01");
        await cluster.StartAllAsync();
        var options = cluster.ClientOptions();
        options.Roles = ClientRoles.All;
        await using var client = await OrleansRepClient.ConnectAsync(options);
        var written = new List<(string Key, string Value, CommitToken Token)>();
        var big = new string('x', 64 << 10);
        for (var i = 0; i < BigValues; i++)
        {
            written.Add(await PutAckedAsync(client, $"big-{i:D3}", $"{i}{big}"));
        }

        // The master archives the first log file (it checkpoints and archives every second): a new site cannot sync from the log.
        var master = 0;
        await cluster.WaitUntilAsync(
            async () =>
            {
                master = (await client.GetStatusAsync()).MasterOf(0)?.Site ?? 0;
                return master > 0 && !File.Exists(Path.Combine(cluster.DataRoot, $"site-{master}", "shard-0", "log.0000000001"));
            },
            () => $"the master (site {master}) never archived its first log file");
        for (var i = 0; i < 20; i++)
        {
            written.Add(await PutAckedAsync(client, $"after-{i:D2}", $"value {i}"));
        }

        var backupSite = master == 2 ? 3 : 2;
        await WaitAppliedAsync(cluster, backupSite, written[^1]);
        var backup = Path.Combine(cluster.DataRoot, $"backup-of-site-{backupSite}");
        Assert.Equal(SiteBackupState.Done, (await client.BackupSiteAsync(backupSite, backup)).State);

        // Site 4 joins with an empty home and AUTOINIT off: JOIN_FAILURE, nothing copied.
        var port = FreePorts.Next();
        var gateway = FreePorts.Next();
        var sites = string.Join(',', cluster.SiteIds.Select(s => $"{s}={cluster.SiteEndPoint(s)}").Append($"4=127.0.0.1:{port}"));
        string[] args = [
            "--site-id", "4", "--data", cluster.DataRoot, "--sites", sites, "--join", "--no-autoinit",
            "--site-endpoint", $"127.0.0.1:{port}", "--gateway-endpoint", $"127.0.0.1:{gateway}", "--http-endpoint", "127.0.0.1:0",
            "--shards", "1", "--probe-timeout", "00:00:01", "--missed-probes", "5"];
        var fourth = new SiloProcess(4, args);
        try
        {
            await fourth.Started.WaitAsync(SiloCluster.Deadline);
            await client.AddSiteAsync(4, $"127.0.0.1:{port}", 100);
            var fourthOnly = cluster.ClientOptions();
            fourthOnly.Gateways = [$"4=127.0.0.1:{gateway}"];
            fourthOnly.RetryDeadline = TimeSpan.FromSeconds(5);
            await using (var reader = await OrleansRepClient.ConnectAsync(fourthOnly))
            {
                var events = Array.Empty<RepEventKind>();
                await cluster.WaitUntilAsync(
                    async () =>
                    {
                        events = [.. (await SiloCluster.RecentEventsAsync(reader)).Select(e => e.Kind)];
                        return events.Contains(RepEventKind.JoinFailure);
                    },
                    () => $"site 4 never reported JOIN_FAILURE (events: {string.Join(", ", events)}; {fourth.Log()})");
                Assert.DoesNotContain(RepEventKind.InitDone, events);
                await Assert.ThrowsAnyAsync<Exception>(() => reader.GetAsync(Encoding.UTF8.GetBytes(written[0].Key), ReadOptions.AtLeast(written[0].Token)));
            }

            await fourth.TerminateAsync(SiloCluster.Deadline);
            fourth.Dispose();

            // The operator restores the backup into site 4's home and starts it again.
            var home = Path.Combine(cluster.DataRoot, "site-4");
            Directory.Delete(home, recursive: true);
            var restored = BackupRestore.Run(backup, home);
            output.WriteLine($"restored: {string.Join("; ", restored.Select(r => $"{r.Name} to {r.LogEnd}"))}");
            fourth = new SiloProcess(4, args);
            await fourth.Started.WaitAsync(SiloCluster.Deadline);
            var last = await PutAckedAsync(client, "after-restore", "new");
            written.Add(last);
            await using (var reader = await OrleansRepClient.ConnectAsync(fourthOnly))
            {
                await cluster.WaitUntilAsync(
                    async () =>
                    {
                        try
                        {
                            return await reader.GetAsync(Encoding.UTF8.GetBytes(last.Key), ReadOptions.AtLeast(last.Token)) is not null;
                        }
                        catch (Exception e) when (e is ShardException or ClusterUnreachableException)
                        {
                            return false;
                        }
                    },
                    () => $"restored site 4 never applied the write made after it restarted ({fourth.Log()})");
                foreach (var (key, value, token) in written)
                {
                    Assert.Equal(value, Encoding.UTF8.GetString(await reader.GetAsync(Encoding.UTF8.GetBytes(key), ReadOptions.AtLeast(token)) ?? []));
                }

                var kinds = (await SiloCluster.RecentEventsAsync(reader)).Select(e => e.Kind).ToList();
                Assert.DoesNotContain(RepEventKind.InitDone, kinds);
                output.WriteLine($"site 4 events after the restore: {string.Join(", ", kinds)}");
            }
        }
        finally
        {
            if (!fourth.HasExited)
            {
                fourth.Kill();
            }

            fourth.Dispose();
        }

        cluster.Passed();
    }

    private static async Task<(string Key, string Value, CommitToken Token)> PutAckedAsync(OrleansRepClient client, string key, string value)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (key, value, await client.PutAsync(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value), new WriteOptions(AckPolicy.Quorum)));
            }
            catch (DurabilityNotMetException) when (attempt < 10)
            {
                // Committed, not acknowledged in time on a loaded machine: put again (idempotent).
            }
        }
    }

    private static async Task WaitAppliedAsync(SiloCluster cluster, int site, (string Key, string Value, CommitToken Token) write)
    {
        var options = cluster.ClientOptions(site);
        options.RetryDeadline = TimeSpan.FromSeconds(5);
        await using var reader = new OrleansRepClient(options);
        await cluster.WaitUntilAsync(
            async () => await reader.GetAsync(Encoding.UTF8.GetBytes(write.Key), ReadOptions.AtLeast(write.Token)) is not null,
            () => $"site {site} has not applied {write.Key}");
    }
}

