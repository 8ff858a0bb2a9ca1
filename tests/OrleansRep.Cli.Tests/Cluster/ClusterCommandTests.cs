using System.CommandLine;
using System.Text;
using System.Text.Json;
using OrleansRep.Cli.Cluster;
using OrleansRep.Client;
using OrleansRep.Client.Tests.Fakes;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using static OrleansRep.Client.Tests.ClientTestKit;

namespace OrleansRep.Cli.Tests.Cluster;

/// <summary>The cluster commands' arguments and output, against the client tests' in-memory twin of the grains.</summary>
public sealed class ClusterCommandTests
{
    [Theory]
    [InlineData("put k")]
    [InlineData("put k v --durability Sometimes")]
    [InlineData("get")]
    [InlineData("elect")]
    [InlineData("elect --shard -1")]
    [InlineData("scan --limit x")]
    [InlineData("watch --count 0")]
    [InlineData("status --cluster")]
    [InlineData("sync")]
    [InlineData("sync --site 0")]
    [InlineData("sync --site 1 --shard x")]
    [InlineData("sites priority 1")]
    [InlineData("sites priority x 0")]
    public void Malformed_command_lines_are_parse_errors(string line)
    {
        Assert.NotEmpty(CliApplication.BuildRootCommand().Parse(line.Split(' ')).Errors);
    }

    [Fact]
    public void Well_formed_command_lines_parse_with_their_defaults()
    {
        var root = CliApplication.BuildRootCommand();
        foreach (var line in new[] { "put k v --durability all", "get k --consistency any:50", "del k", "scan --prefix a --from a1 --to a9 --limit 3", "status --json", "watch --recent --count 2", "elect --shard 1 --site 2", "sites list --cluster 10.0.0.1:7-9 --secret-file s --timeout 3", "sync --site 2", "sync --site 2 --shard 1", "sites priority 3 0" })
        {
            Assert.Empty(root.Parse(line.Split(' ')).Errors);
        }
    }

    [Fact]
    public void Cluster_ports_ranges_expand_and_consistencies_parse()
    {
        Assert.Equal(["127.0.0.1:30001", "127.0.0.1:30002", "127.0.0.1:30003"], ClusterArguments.ParseGateways(ClusterArguments.DefaultCluster));
        Assert.Equal(["a:1", "2=b:5", "c:8", "c:9"], ClusterArguments.ParseGateways("a:1, 2=b:5,c:8-9"));
        Assert.Throws<UsageException>(() => ClusterArguments.ParseGateways("h:9-3"));
        Assert.Throws<UsageException>(() => ClusterArguments.ParseGateways(","));

        Assert.Same(ReadOptions.Linearizable, ReadOptionsText.Parse(null));
        Assert.Equal((ReadConsistency.AnyReplica, TimeSpan.FromMilliseconds(250)), (ReadOptionsText.Parse("any:250").Consistency, ReadOptionsText.Parse("any:250").MaxStaleness));
        var token = new CommitToken(3, new SiteId(2), new Storage.Lsn(1, 99));
        Assert.Equal(token, ReadOptionsText.Parse("atleast:" + CommitTokens.ToHex(token)).Token);
        foreach (var bad in "fresh any:soon atleast atleast:00 linearizable:1".Split(' '))
        {
            Assert.Throws<UsageException>(() => ReadOptionsText.Parse(bad));
        }
    }

    [Fact]
    public async Task Put_get_del_and_scan_print_tokens_values_and_pairs()
    {
        var cluster = new FakeCluster();
        await using var client = ClientOn(cluster);
        var output = new StringWriter();
        var error = new StringWriter();

        Assert.Equal(0, await ClusterCommands.PutAsync(client, output, "a1", "one", AckPolicy.Quorum, default));
        Assert.Matches(@"^ok token=[0-9a-f]{40} gen=1 master=\d lsn=\[1\]\[1\]\n$", output.ToString());
        var token = output.ToString()[9..49];
        await ClusterCommands.PutAsync(client, output, "a2", "two\ttab", AckPolicy.All, default);
        await ClusterCommands.PutAsync(client, output, "b1", "three", AckPolicy.None, default);

        output.GetStringBuilder().Clear();
        Assert.Equal(0, await ClusterCommands.GetAsync(client, output, error, "a1", ReadOptionsText.Parse("atleast:" + token), default));
        Assert.Equal(0, await ClusterCommands.ScanAsync(client, output, "a", null, null, int.MaxValue, ReadOptions.Linearizable, default));
        Assert.Equal(0, await ClusterCommands.ScanAsync(client, output, null, "a2", null, 1, ReadOptions.AnyReplica(), default));
        Assert.Equal("one\na1\tone\na2\ttwo\\x09tab\na2\ttwo\\x09tab\n", output.ToString());

        Assert.Equal(0, await ClusterCommands.DelAsync(client, output, "a1", AckPolicy.Quorum, default));
        Assert.Equal(1, await ClusterCommands.GetAsync(client, output, error, "a1", ReadOptions.Linearizable, default));
        Assert.Equal("orep: a1: not found\n", error.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Status_json_has_the_issue_shape_and_an_unreachable_site_fails_the_command()
    {
        var cluster = new FakeCluster(sites: 3, shards: 2);
        cluster.Elect(1, 3);
        cluster.Down[2] = true;
        await using var client = ClientOn(cluster);
        using var json = new MemoryStream();

        Assert.Equal(1, await AdminCommands.StatusAsync(client, TextWriter.Null, json, default));
        using var document = JsonDocument.Parse(json.ToArray());
        var root = document.RootElement;
        Assert.Equal(["sites", "shards", "members"], root.EnumerateObject().Select(p => p.Name));
        var sites = root.GetProperty("sites").EnumerateArray().ToList();
        Assert.Equal(["id", "address", "healthy"], sites[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal([(1, true), (2, false), (3, true)], sites.Select(s => (s.GetProperty("id").GetInt32(), s.GetProperty("healthy").GetBoolean())));
        Assert.Equal("fake-site-1:1", sites[0].GetProperty("address").GetString());
        Assert.Contains("site 2 is down", sites[1].GetProperty("error").GetString(), StringComparison.Ordinal);

        var shards = root.GetProperty("shards").EnumerateArray().ToList();
        Assert.Equal([(0, 1, 1u), (1, 3, 2u)], shards.Select(s => (s.GetProperty("id").GetInt32(), s.GetProperty("master").GetInt32(), s.GetProperty("gen").GetUInt32())));
        var replica = shards[1].GetProperty("replicas").EnumerateArray().First();
        Assert.Equal(["site", "role", "lsn", "lag", "egen", "knownMaster", "holdsLease"], replica.EnumerateObject().Select(p => p.Name));
        Assert.Equal((1, "client", "[1][0]", 7L), (replica.GetProperty("site").GetInt32(), replica.GetProperty("role").GetString(), replica.GetProperty("lsn").GetString(), replica.GetProperty("lag").GetInt64()));
        Assert.Equal([1, 3], shards[1].GetProperty("replicas").EnumerateArray().Select(r => r.GetProperty("site").GetInt32()));
    }

    [Fact]
    public async Task Status_text_is_a_table_of_sites_and_of_shards_by_site()
    {
        var cluster = new FakeCluster(sites: 2, shards: 1);
        await using var client = ClientOn(cluster);
        var output = new StringWriter();

        Assert.Equal(0, await AdminCommands.StatusAsync(client, output, null, default));
        Assert.Equal(
            "SITE  GATEWAY        HEALTHY\n1     fake-site-1:1  yes\n2     fake-site-2:1  yes\n\n" +
            "SHARD  MASTER  SITE  ROLE    GEN  LSN     LAG\n0      1       1     master  1    [1][0]  0 ms\n0      1       2     client  1    [1][0]  7 ms\n",
            output.ToString());
    }

    [Fact]
    public async Task Sites_add_and_remove_print_what_was_done_and_refuse_a_malformed_site()
    {
        var cluster = new FakeCluster(sites: 2, shards: 1);
        await using var client = ClientOn(cluster);
        var output = new StringWriter();

        Assert.Equal(0, await SiteCommands.AddAsync(client, output, "4=127.0.0.1:11114", 50, default));
        Assert.Equal(0, await SiteCommands.RemoveAsync(client, output, 4, default));
        Assert.Equal("site 4 added at 127.0.0.1:11114 (priority 50) to every shard's group\nsite 4 removed from every shard's group\n", output.ToString());
        Assert.Contains(cluster.Calls, c => c.Method == "add-site 4 127.0.0.1:11114 50");

        Assert.Throws<UsageException>(() => SiteCommands.ParseSite("127.0.0.1:11114"));
        Assert.Throws<UsageException>(() => SiteCommands.ParseSite("x=127.0.0.1:11114"));
        Assert.Throws<UsageException>(() => SiteCommands.ParseSite("0=127.0.0.1:11114"));
        Assert.Throws<UsageException>(() => SiteCommands.ParseSite("4="));
        await Assert.ThrowsAsync<SiteChangeRejectedException>(() => SiteCommands.AddAsync(client, output, "4=nohost", 100, default));
        Assert.Equal((4, "10.0.0.4:11114"), SiteCommands.ParseSite("4=10.0.0.4:11114"));
    }

    [Fact]
    public async Task Elect_watch_and_sites_list_print_one_line_per_thing()
    {
        var cluster = new FakeCluster(sites: 2, shards: 1);
        cluster.AddEvent(1, 0, RepEventKind.PermFailed);
        await using var client = ClientOn(cluster, o => o.EventPollInterval = TimeSpan.FromMilliseconds(10));
        var output = new StringWriter();

        Assert.Equal(0, await AdminCommands.ElectAsync(client, output, 0, 2, default));
        Assert.Equal(0, await AdminCommands.WatchAsync(client, output, recent: true, count: 3, default));
        Assert.Equal(0, await AdminCommands.SitesListAsync(client, output, default));
        Assert.Equal(
            "election for shard 0 called from site 2\n" +
            "1970-01-01T00:00:00.000Z site 1 shard 0 PERM_FAILED gen 1 lsn [0][0]\n" +
            "1970-01-01T00:00:01.000Z site 1 shard 0 NEWMASTER gen 2 site 2 lsn [0][0]\n" +
            "1970-01-01T00:00:00.000Z site 2 shard 0 ELECTED gen 2 site 2 lsn [0][0]\n" +
            "SITE  PRIORITY  GATEWAY        HEALTHY\n1     100       fake-site-1:1  yes\n2     100       fake-site-2:1  yes\n",
            output.ToString());
    }
}
