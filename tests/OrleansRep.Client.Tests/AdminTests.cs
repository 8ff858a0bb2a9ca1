using Microsoft.Extensions.DependencyInjection;
using OrleansRep.Client.Tests.Fakes;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using static OrleansRep.Client.Tests.ClientTestKit;

namespace OrleansRep.Client.Tests;

/// <summary>Status, elections, the event feed, options and DI, on the twin.</summary>
public sealed class AdminTests
{
    [Fact]
    public async Task Status_reports_every_site_and_a_down_one_as_unhealthy()
    {
        var cluster = new FakeCluster();
        cluster.Down[3] = true;
        await using var client = ClientOn(cluster);

        var status = await client.GetStatusAsync();
        Assert.Equal([1, 2, 3], status.Sites.Select(s => s.Site));
        Assert.Equal([true, true, false], status.Sites.Select(s => s.Healthy));
        Assert.NotNull(status.Sites[2].Error);
        Assert.Equal(3, status.Members.Count);
        Assert.Equal([0, 1, 2, 3], status.Shards);
        Assert.Equal(1, status.MasterOf(0)!.Site);
        Assert.Null(status.MasterOf(2));
    }

    [Fact]
    public async Task Elect_moves_the_master_and_the_feed_reports_it_but_not_older_events()
    {
        var cluster = new FakeCluster();
        cluster.AddEvent(1, 0, RepEventKind.StartupDone);
        await using var client = ClientOn(cluster, o => o.EventPollInterval = TimeSpan.FromMilliseconds(10));
        using var stop = new CancellationTokenSource(Deadline);
        var feed = client.WatchEventsAsync(cancellationToken: stop.Token).GetAsyncEnumerator(stop.Token);
        var first = feed.MoveNextAsync().AsTask();
        await WaitUntilAsync(() => cluster.Calls.Count(c => c.Method == "events") >= 6, () => "the feed polled every site twice");

        Assert.Equal(3, await client.ElectAsync(1, 3));
        Assert.Equal(3, cluster.MasterOf(1));
        var seen = new List<SiteEvent>();
        Assert.True(await first);
        seen.Add(feed.Current);
        while (seen.Count < 3 && await feed.MoveNextAsync())
        {
            seen.Add(feed.Current);
        }

        await stop.CancelAsync();
        Assert.Equal([(1, RepEventKind.NewMaster), (2, RepEventKind.NewMaster), (3, RepEventKind.Elected)], seen.Select(e => (e.Site, e.Kind)).Order());
        Assert.All(seen, e => Assert.Equal((1, 3, 2u), (e.Shard, e.About, e.Gen)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await feed.MoveNextAsync());
        await feed.DisposeAsync();
    }

    [Fact]
    public async Task Sites_are_added_and_removed_through_a_site_grain_and_bad_input_sends_nothing()
    {
        var cluster = new FakeCluster();
        await using var client = ClientOn(cluster);

        await client.AddSiteAsync(4, " 127.0.0.1:11114 ", 50);
        await client.RemoveSiteAsync(4);
        Assert.Contains(cluster.Calls, c => c.Method == "add-site 4 127.0.0.1:11114 50");
        Assert.Contains(cluster.Calls, c => c.Method == "remove-site 4");

        var before = cluster.Calls.Count;
        await Assert.ThrowsAsync<SiteChangeRejectedException>(() => client.AddSiteAsync(5, "localhost:11115"));
        await Assert.ThrowsAsync<SiteChangeRejectedException>(() => client.AddSiteAsync(5, "0.0.0.0:11115"));
        await Assert.ThrowsAsync<SiteChangeRejectedException>(() => client.AddSiteAsync(5, "127.0.0.1:0"));
        await Assert.ThrowsAsync<SiteChangeRejectedException>(() => client.AddSiteAsync(0, "127.0.0.1:11115"));
        await Assert.ThrowsAsync<SiteChangeRejectedException>(() => client.AddSiteAsync(5, "127.0.0.1:11115", -1));
        Assert.Equal(before, cluster.Calls.Count);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("host:0")]
    [InlineData("host:70000")]
    [InlineData("0=host:1")]
    [InlineData("x=host:1")]
    public void A_bad_gateway_is_refused_with_its_text(string gateway)
    {
        var error = Assert.Throws<ArgumentException>(() => new OrleansRepClientOptions { Gateways = [gateway] }.Validate());
        Assert.Contains(gateway, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gateways_may_name_their_site_and_the_defaults_are_the_local_cluster()
    {
        var parsed = OrleansRepClientOptions.ParseGateways(["2=127.0.0.1:30002", "[::1]:7", "example.org:8"]);
        Assert.Equal([(2, "127.0.0.1:30002"), (0, "[::1]:7"), (0, "Unspecified/example.org:8")], parsed.Select(p => (p.Site, p.EndPoint.ToString())));
        Assert.Equal(["127.0.0.1:30001", "127.0.0.1:30002", "127.0.0.1:30003"], new OrleansRepClientOptions().Gateways);
    }

    [Fact]
    public void The_secret_file_is_read_as_the_silos_read_it_its_trimmed_text()
    {
        var path = Path.Combine(Path.GetTempPath(), $"orep-secret-{Guid.NewGuid():N}");
        try
        {
            // What the local cluster writes: hex text and a newline. The bytes are the text's, as the silos use them.
            const string text = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
            File.WriteAllText(path, text + "\n");
            Assert.Equal(System.Text.Encoding.UTF8.GetBytes(text), new OrleansRepClientOptions { SecretFile = path }.ResolveSecret());
            Assert.Equal(OrleansRep.Runtime.Transport.SecretFile.Read(path), new OrleansRepClientOptions { SecretFile = path }.ResolveSecret());
            File.WriteAllText(path, "short\n");
            Assert.Throws<ArgumentException>(() => new OrleansRepClientOptions { SecretFile = path }.ResolveSecret());
            Assert.Equal([9], new OrleansRepClientOptions { SecretFile = path, Secret = [9] }.ResolveSecret());
        }
        finally
        {
            File.Delete(path);
        }

        var missing = Assert.Throws<ArgumentException>(() => new OrleansRepClientOptions { SecretFile = path }.ResolveSecret());
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_container_gives_one_client_that_connects_only_when_used()
    {
        var services = new ServiceCollection().AddOrleansRepClient(o =>
        {
            o.Gateways = ["127.0.0.1:1"];
            o.Secret = new byte[32];
            o.RetryDeadline = TimeSpan.FromMilliseconds(200);
        });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<OrleansRepClient>();
        Assert.Same(client, provider.GetRequiredService<OrleansRepClient>());
        Assert.Empty(client.Sites);

        // The shard count is learned from the first site that answers; none does.
        await Assert.ThrowsAsync<ClusterUnreachableException>(() => client.GetAsync(B("k")));
        Assert.Throws<InvalidOperationException>(() => client.Map);
    }

    [Fact]
    public async Task The_shard_count_is_learned_from_the_sites()
    {
        var cluster = new FakeCluster(sites: 3, shards: 7);
        await using var client = ClientOn(cluster, o => o.Shards = 0);
        var key = KeyOf(cluster, 6);

        await client.PutAsync(B(key), B("v"));
        Assert.Equal(7, client.Map.Shards);
        Assert.Equal("v", cluster.Value(client.MasterOf(6), key));
    }

    [Fact]
    public void Tokens_round_trip_as_hex()
    {
        var token = new CommitToken(7, new SiteId(2), new Storage.Lsn(1, 4096));
        var hex = CommitTokens.ToHex(token);
        Assert.Equal(40, hex.Length);
        Assert.Equal(token, CommitTokens.ParseHex(hex));
        Assert.Throws<FormatException>(() => CommitTokens.ParseHex("xyz"));
    }
}
