using System.Text.Json;
using OrleansRep.Cli.Tests.Support;
using OrleansRep.Client.Tests.Cluster;
using Xunit.Abstractions;

namespace OrleansRep.Cli.Tests.Cluster;

/// <summary><c>orep</c> as a process against three real sites (the grains on a TestCluster, loopback gateways): the
/// data and admin commands, and the exit codes 0 (ok), 1 (the operation failed), 2 (usage).</summary>
[Collection(nameof(OrepOnSitesTests))]
public sealed class OrepOnSitesTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Orep_reads_writes_and_administers_three_real_sites()
    {
        using var dir = new ScratchDirectory(output);
        await using var sites = await SiteCluster.StartAsync();
        using var orep = new ProcessFixture();
        var secret = dir.Combine("cluster.secret");
        await File.WriteAllTextAsync(secret, System.Text.Encoding.UTF8.GetString(sites.Cluster.ClusterSecret) + "\n");
        var cluster = string.Join(",", sites.Gateways);
        Task<CliResult> Run(params string[] args) => orep.RunAsync([.. args, "--cluster", cluster, "--secret-file", secret, "--timeout", "60"]);

        // A write under load may be committed but not acknowledged in time (exit 1, "ack policy was not met"); again.
        async Task<CliResult> Write(params string[] args)
        {
            for (var attempt = 1; ; attempt++)
            {
                var result = await Run(args);
                if (result.ExitCode == 0 || attempt == 5 || !result.Stderr.Contains("ack policy was not met", StringComparison.Ordinal))
                {
                    return result;
                }
            }
        }

        var put = await Write("put", "greeting", "hello", "--durability", "all");
        Assert.True(put.ExitCode == 0, put.ToString());
        Assert.Matches(@"^ok token=[0-9a-f]{40} gen=\d+ master=[123] lsn=\[\d+\]\[\d+\]\n$", put.Stdout);
        var token = put.Stdout[9..49];

        var get = await Run("get", "greeting", "--consistency", "atleast:" + token);
        Assert.True(get.ExitCode == 0 && get.Stdout == "hello\n", get.ToString());
        // Not linearizable: a master that has committed nothing lately holds no lease (the grains refresh leases only
        // with acknowledged commits), and the other shard has seen no write at all.
        var scan = await Run("scan", "--prefix", "gree", "--consistency", "any");
        Assert.True(scan.ExitCode == 0 && scan.Stdout == "greeting\thello\n", scan.ToString());

        var status = await Run("status", "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        using (var json = JsonDocument.Parse(status.Stdout))
        {
            Assert.Equal([(1, true), (2, true), (3, true)], json.RootElement.GetProperty("sites").EnumerateArray().Select(s => (s.GetProperty("id").GetInt32(), s.GetProperty("healthy").GetBoolean())).Order());
            var shards = json.RootElement.GetProperty("shards").EnumerateArray().ToList();
            Assert.Equal(SiteCluster.Shards, shards.Count);
            // Masters may have moved since the put (elections right after start): only that each shard reports one.
            Assert.All(shards, s => Assert.InRange(s.GetProperty("master").GetInt32(), 0, 3));
            Assert.All(shards, s => Assert.Equal(3, s.GetProperty("replicas").GetArrayLength()));
        }

        var list = await Run("sites", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Equal(["SITE", "1", "2", "3"], list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]));

        var watch = await Run("watch", "--recent", "--count", "1");
        Assert.True(watch.ExitCode == 0, watch.ToString());
        Assert.Matches(@"^\S+Z site [123] shard \d [A-Z_]+ gen \d+", watch.Stdout);
        var elect = await Run("elect", "--shard", "0", "--site", "1");
        Assert.True(elect.ExitCode == 0 && elect.Stdout == "election for shard 0 called from site 1\n", elect.ToString());

        var promote = await Run("promote", "--site", "2", "--shard", "0", "--wait", "30");
        Assert.True(promote.ExitCode == 0, promote.ToString());
        Assert.Matches(@"^shard 0: site 2 (promoted \(fast\), master in gen \d+; writes unavailable [\d.]+ ms|is already master)", promote.Stdout);
        var handover = await Run("handover", "--shard", "0", "--to", "3", "--wait", "30");
        Assert.True(handover.ExitCode == 0, handover.ToString());
        Assert.Matches(@"^shard 0: handed over from site [12] to site 3, master in gen \d+; writes unavailable [\d.]+ ms", handover.Stdout);
        var neither = await Run("promote", "--site", "2");
        Assert.True(neither.ExitCode == 2 && neither.Stderr.Contains("--shard S or --all", StringComparison.Ordinal), neither.ToString());
        var noSuchSite = await Run("handover", "--shard", "0", "--to", "9");
        Assert.True(noSuchSite.ExitCode == 1 && noSuchSite.Stderr.Contains("not a member", StringComparison.Ordinal), noSuchSite.ToString());

        var del = await Write("del", "greeting");
        Assert.True(del.ExitCode == 0, del.ToString());
        var gone = await Run("get", "greeting", "--consistency", "atleast:" + del.Stdout[9..49]);
        Assert.True(gone.ExitCode == 1 && gone.Stderr.Contains("greeting: not found", StringComparison.Ordinal), gone.ToString());

        var usage = await Run("put", "only-a-key");
        Assert.True(usage.ExitCode == 2, usage.ToString());
        await File.WriteAllTextAsync(secret, new string('a', 64));
        var refused = await Run("get", "greeting", "--consistency", "any");
        Assert.True(refused.ExitCode == 1 && refused.Stderr.StartsWith("orep: error: ", StringComparison.Ordinal), refused.ToString());
        sites.Passed();
        dir.Passed();
    }
}
