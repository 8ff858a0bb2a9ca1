using System.Text;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Runtime.Remote;
using Xunit.Abstractions;

namespace OrleansRep.EndToEnd.Tests;

/// <summary>Real silo processes (see <see cref="SiloCluster"/>): start, readiness, kill -9, restart, data through the gateways.</summary>
public sealed class ClusterProcessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Three_sites_become_ready_and_report_a_killed_site_gone_and_back()
    {
        await using var cluster = new SiloCluster(output);
        await cluster.StartAllAsync();
        foreach (var site in cluster.SiteIds)
        {
            foreach (var about in cluster.SiteIds)
            {
                Assert.True(await cluster.ReportsHealthyAsync(site, about), $"site {site} should report site {about} healthy after the start");
            }
        }

        cluster.Kill(3);
        foreach (var site in new[] { 1, 2 })
        {
            await cluster.WaitUntilAsync(async () => !await cluster.ReportsHealthyAsync(site, 3), () => $"site {site} still reports the killed site 3 healthy");
            await cluster.WaitUntilAsync(
                async () => (await cluster.Http.GetStringAsync(cluster.Url(site, "/metrics"))).Contains($"orep_site_healthy{{site=\"{site}\",peer=\"3\"}} 0", StringComparison.Ordinal),
                () => $"site {site}'s /metrics still shows site 3 healthy");
        }

        await cluster.StartAsync(3);
        foreach (var site in cluster.SiteIds)
        {
            await cluster.WaitUntilAsync(async () => await cluster.ReportsHealthyAsync(site, 3), () => $"site {site} does not report the restarted site 3 healthy");
        }

        await cluster.WaitUntilAsync(async () => (await cluster.Http.GetAsync(cluster.Url(3, "/readyz"))).IsSuccessStatusCode, () => "the restarted site 3 never became ready");
        cluster.Passed();
    }

    [Fact]
    public async Task Writes_through_any_gateway_are_read_on_every_site_and_survive_the_kill_of_their_master()
    {
        await using var cluster = new SiloCluster(output);
        await cluster.StartAllAsync();
        var map = new ShardMap(cluster.Shards);
        await using var client = await cluster.ConnectAsync(2);
        var keys = Enumerable.Range(0, 40).Select(i => $"key-{i}").ToList();
        var tokens = new Dictionary<string, byte[]>();
        foreach (var key in keys)
        {
            // Through site 2's gateway to the shard's master, wherever it is: the gateway forwards.
            var shard = map.ShardOf(B(key));
            var master = await cluster.MasterAsync(2, shard);
            tokens[key] = await ShardErrors.Typed(client.GetGrain<ILogShardGrain>(GrainKeys.Shard(shard, master)).Put(B(key), B($"value of {key}"), AckPolicy.Quorum));
        }

        foreach (var key in keys)
        {
            foreach (var site in cluster.SiteIds)
            {
                var replica = client.GetGrain<ILogShardGrain>(GrainKeys.Shard(map.ShardOf(B(key)), site));
                Assert.Equal($"value of {key}", S(await ShardErrors.Typed(replica.Read(B(key), ReadConsistency.AtLeast, 0, tokens[key]))));
            }
        }

        // kill -9 shard 0's master; a new master among the others takes writes and holds every acknowledged write.
        var old = await cluster.MasterAsync(1, 0);
        cluster.Kill(old);
        var live = cluster.SiteIds.Where(s => s != old).ToList();
        await using var survivor = await cluster.ConnectAsync(live[0]);
        var newMaster = 0;
        await cluster.WaitUntilAsync(
            async () =>
            {
                newMaster = await cluster.MasterAsync(live[0], 0);
                return newMaster != 0 && newMaster != old && await cluster.MasterAsync(live[1], 0) == newMaster;
            },
            () => $"no new master for shard 0 after site {old} was killed (last seen {newMaster})");
        var grain = survivor.GetGrain<ILogShardGrain>(GrainKeys.Shard(0, newMaster));
        byte[]? token = null;
        await cluster.WaitUntilAsync(async () => (token = await ShardErrors.Typed(grain.Put(B("after"), B("failover"), AckPolicy.Quorum))) is not null, () => $"site {newMaster} takes no write for shard 0");
        Assert.Equal("failover", S(await ShardErrors.Typed(grain.Read(B("after"), ReadConsistency.AtLeast, 0, token))));
        foreach (var key in keys.Where(k => map.ShardOf(B(k)) == 0))
        {
            Assert.Equal($"value of {key}", S(await ShardErrors.Typed(grain.Read(B(key), ReadConsistency.AnyReplica, 0, null))));
        }

        cluster.Passed();
    }

    [Fact]
    public async Task A_site_stopped_with_SIGTERM_exits_cleanly_and_the_others_see_it_leave()
    {
        await using var cluster = new SiloCluster(output);
        await cluster.StartAllAsync();

        Assert.Equal(0, await cluster.TerminateAsync(2));

        foreach (var site in new[] { 1, 3 })
        {
            await cluster.WaitUntilAsync(async () => !await cluster.ReportsHealthyAsync(site, 2), () => $"site {site} still reports site 2, stopped with SIGTERM, healthy");
        }

        cluster.Passed();
    }

    [Fact]
    public async Task A_site_hung_until_the_cluster_declares_it_dead_exits_with_code_3_when_it_resumes()
    {
        await using var cluster = new SiloCluster(output);
        await cluster.StartAllAsync();
        var hung = cluster.Process(3);

        await hung.SignalAsync("STOP");
        try
        {
            foreach (var site in new[] { 1, 2 })
            {
                await cluster.WaitUntilAsync(async () => !await cluster.ReportsHealthyAsync(site, 3), () => $"site {site} still reports the hung site 3 healthy");
            }
        }
        finally
        {
            await hung.SignalAsync("CONT");
        }

        await hung.WaitForExitAsync(SiloCluster.Deadline);
        Assert.Equal(3, hung.ExitCode);
        cluster.Passed();
    }

    [Fact]
    public async Task A_second_process_on_a_data_directory_in_use_exits_with_code_2()
    {
        await using var cluster = new SiloCluster(output, sites: 1);
        await cluster.StartAllAsync();

        var (exitCode, log) = await SiloCluster.RunToEndAsync([
            "--site-id", "1", "--data", cluster.DataRoot, "--sites", "1=127.0.0.1:0", "--site-endpoint", "127.0.0.1:0", "--gateway-endpoint", "127.0.0.1:0", "--http-endpoint", "127.0.0.1:0"]);
        Assert.Equal(2, exitCode);
        Assert.Contains("orep-silo: bad configuration: the data directory is in use: environment ", log, StringComparison.Ordinal);
        Assert.True(await cluster.ReportsHealthyAsync(1, 1), "the first site keeps running");
        cluster.Passed();
    }

    [Theory]
    [InlineData("--site-id 0", "orep-silo: bad configuration: SiteId must be a positive integer (--site-id), not 0")]
    [InlineData("--site-id 1 --data /nonexistent/orep", "orep-silo: bad configuration: no cluster secret: the secret file '/nonexistent/orep/cluster.secret' does not exist")]
    [InlineData("--site-id 1 --colour blue", "orep-silo: bad configuration: unknown option 'colour'")]
    public async Task A_bad_configuration_exits_with_code_2_and_says_what_is_wrong(string args, string message)
    {
        var (exitCode, log) = await SiloCluster.RunToEndAsync(args.Split(' '));
        Assert.Equal(2, exitCode);
        Assert.Contains(message, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OREP_environment_variables_configure_the_site_and_the_command_line_wins()
    {
        var fromEnvironment = await SiloCluster.RunToEndAsync([], new Dictionary<string, string> { ["OREP_SITEID"] = "1", ["OREP_DATAROOT"] = "/nonexistent/env" });
        Assert.Equal(2, fromEnvironment.ExitCode);
        Assert.Contains("the secret file '/nonexistent/env/cluster.secret' does not exist", fromEnvironment.Output, StringComparison.Ordinal);

        var overridden = await SiloCluster.RunToEndAsync(["--data", "/nonexistent/args"], new Dictionary<string, string> { ["OREP_SITEID"] = "1", ["OREP_DATAROOT"] = "/nonexistent/env" });
        Assert.Contains("the secret file '/nonexistent/args/cluster.secret' does not exist", overridden.Output, StringComparison.Ordinal);
    }

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static string? S(byte[]? b) => b is null ? null : Encoding.UTF8.GetString(b);
}
