using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Transport;
using OrleansRep.Silo.Dashboard;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace OrleansRep.Silo.Tests;

/// <summary>The dashboard on one in-process site (no certificate: plain HTTP, no credentials asked).</summary>
public sealed class DashboardTests : IAsyncLifetime, IDisposable
{
    private readonly string _data = TestSupport.TempDirectory();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private SiteApplication? _site;

    private SiteApplication Site => _site!;

    public async Task InitializeAsync()
    {
        _site = await SiteApplication.StartAsync(SiteHttpTests.OneSite(_data));
        _http.BaseAddress = _site.HttpAddress;
    }

    public async Task DisposeAsync()
    {
        if (_site is not null)
        {
            await _site.DisposeAsync();
        }

        Directory.Delete(_data, recursive: true);
    }

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task The_page_and_its_files_are_served_from_the_assembly_with_no_outside_reference()
    {
        using var page = await _http.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("/dashboard/dashboard.js", html, StringComparison.Ordinal);
        foreach (var (file, type) in new[] { ("dashboard.js", "text/javascript"), ("dashboard.css", "text/css") })
        {
            using var response = await _http.GetAsync(new Uri($"/dashboard/{file}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain("http://", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.DoesNotContain("https://", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync(new Uri("/dashboard/nope.js", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task The_snapshot_maps_every_replica_and_counts_commits_grains_and_commit_latency()
    {
        await WaitUntilMastersAsync();
        await using var writer = await GrainClient.ConnectAsync(Site.Site.Host.GatewayEndPoint!, new GrainClientOptions { ClusterSecret = Encoding.UTF8.GetBytes(SiteHttpTestsSecret), Roles = ClientRoles.Read | ClientRoles.Write });
        var shard = writer.GetGrain<ILogShardGrain>(GrainKeys.Shard(new ShardMap(2).ShardOf("k"u8.ToArray()), 1));
        JsonElement snapshot = default;
        // Writes go on until a snapshot saw them (a sample covers the second before it).
        await TestSupport.WaitUntilAsync(
            async () =>
            {
                for (var i = 0; i < 5; i++)
                {
                    await shard.Put("k"u8.ToArray(), Encoding.UTF8.GetBytes($"v{i}"), AckPolicy.Quorum);
                }

                snapshot = await SnapshotAsync();
                return snapshot.GetProperty("sample").GetProperty("commitsPerSecond").GetDouble() > 0
                    && snapshot.GetProperty("sample").GetProperty("p99CommitMs").ValueKind == JsonValueKind.Number;
            },
            () => $"no snapshot counted the commits: {snapshot}");

        Assert.Equal(1, snapshot.GetProperty("site").GetInt32());
        // The one site is its own recovery master (its daemon elects it in its first round).
        await TestSupport.WaitUntilAsync(async () => (snapshot = await SnapshotAsync()).GetProperty("recoveryMaster") is { ValueKind: JsonValueKind.Number } m && m.GetInt32() == 1,
            () => $"the snapshot names no recovery master: {snapshot}");
        var site = Assert.Single(snapshot.GetProperty("sites").EnumerateArray());
        Assert.True(site.GetProperty("reachable").GetBoolean());
        var replicas = snapshot.GetProperty("replicas").EnumerateArray().ToArray();
        Assert.Equal([(1, 0), (1, 1)], replicas.Select(r => (r.GetProperty("site").GetInt32(), r.GetProperty("shard").GetInt32())));
        Assert.All(replicas, r =>
        {
            Assert.Equal("Master", r.GetProperty("role").GetString());
            Assert.Equal("ok", r.GetProperty("health").GetString());
            Assert.Equal(0, r.GetProperty("lagBytes").GetInt64());
            Assert.Matches("^[0-9]+/[0-9]+$", r.GetProperty("lsn").GetString());
            Assert.Equal("", r.GetProperty("bans").GetString());
        });
        var grains = snapshot.GetProperty("grains").EnumerateArray().ToDictionary(g => g.GetProperty("type").GetString()!);
        Assert.Equal(2, grains["LogShardGrain"].GetProperty("activations").GetInt64());
        Assert.Equal(1, grains["SiteGrain"].GetProperty("activations").GetInt64());
        Assert.True(grains["LogShardGrain"].GetProperty("callsPerSecond").GetDouble() > 0);
    }

    [Fact]
    public async Task A_page_gets_the_history_then_a_snapshot_every_interval_and_the_timeline_holds_the_elections()
    {
        await WaitUntilMastersAsync();
        using var response = await _http.GetAsync(new Uri("/api/dashboard/stream", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var (kind, data) = await NextEventAsync(reader);
        Assert.Equal("init", kind);
        var init = JsonDocument.Parse(data).RootElement;
        Assert.True(init.GetProperty("history").GetArrayLength() >= 1);
        var (next, json) = await NextEventAsync(reader);
        Assert.Equal("snapshot", next);
        var first = JsonDocument.Parse(json).RootElement;
        var latest = JsonDocument.Parse(await _http.GetStringAsync(new Uri("/api/dashboard", UriKind.Relative))).RootElement;
        Assert.True(latest.GetProperty("tick").GetInt64() >= first.GetProperty("tick").GetInt64());
        (next, json) = await NextEventAsync(reader);
        Assert.Equal("snapshot", next);
        Assert.Equal(first.GetProperty("tick").GetInt64() + 1, JsonDocument.Parse(json).RootElement.GetProperty("tick").GetInt64());

        // The one-site group elected itself master of both shards: a page opened later starts with those elections.
        using var second = await _http.GetAsync(new Uri("/api/dashboard/stream", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        using var secondReader = new StreamReader(await second.Content.ReadAsStreamAsync());
        var (_, secondInit) = await NextEventAsync(secondReader);
        var events = JsonDocument.Parse(secondInit).RootElement.GetProperty("timeline").EnumerateArray().ToArray();
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == nameof(RepEventKind.Elected) && e.GetProperty("shard").GetInt32() == 0);
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == nameof(RepEventKind.Elected) && e.GetProperty("shard").GetInt32() == 1);
    }

    [Fact]
    public async Task Pages_share_one_snapshot_text_and_a_page_that_does_not_read_keeps_only_the_newest()
    {
        var services = Site.Site.Host.Silo.Services;
        await using var producer = new DashboardProducer(Site.Site, services.GetRequiredService<DashboardSiteSource>(), new DashboardOptions { ClientBuffer = 2 }, NullLogger.Instance);
        var pages = Enumerable.Range(0, 10).Select(_ => producer.Subscribe()).ToArray();
        Assert.Equal(10, producer.PageCount);
        for (var i = 0; i < 5; i++)
        {
            await producer.SampleAsync(CancellationToken.None);
        }

        var kept = pages.Select(p => Drain(p.Snapshots)).ToArray();
        Assert.All(kept, k => Assert.Equal([4L, 5L], k.Select(json => JsonDocument.Parse(json).RootElement.GetProperty("tick").GetInt64())));
        // The same string object went to every page: serialized once per snapshot.
        Assert.All(kept, k => Assert.Same(kept[0][1], k[1]));
        pages[0].Subscription.Dispose();
        Assert.Equal(9, producer.PageCount);
        Assert.True(pages[0].Snapshots.Completion.IsCompleted);
    }

    [Fact]
    public async Task Elect_calls_an_election_and_refuses_bad_input_with_a_typed_error()
    {
        await WaitUntilMastersAsync();
        var (status, body) = await PostAsync("/api/elect", """{"shard":1,"site":null}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.GetProperty("shard").GetInt32());
        Assert.Equal(1, body.GetProperty("site").GetInt32());

        foreach (var (json, error) in new[]
        {
            ("not json", "ArgumentException"),
            ("""{"site":1}""", "ArgumentException"),
            ("""{"shard":9,"site":1}""", nameof(UnknownShardException)),
            ("""{"shard":0,"site":7}""", "UnknownSiteException"),
        })
        {
            (status, body) = await PostAsync("/api/elect", json);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal(error, body.GetProperty("error").GetString());
            Assert.False(string.IsNullOrEmpty(body.GetProperty("message").GetString()));
        }

        // The one site wins its own election again: the shard keeps a master.
        await WaitUntilMastersAsync();
    }

    private const string SiteHttpTestsSecret = "silo-tests-secret-0123456789";

    private static List<string> Drain(System.Threading.Channels.ChannelReader<string> reader)
    {
        var items = new List<string>();
        while (reader.TryRead(out var item))
        {
            items.Add(item);
        }

        return items;
    }

    private async Task<(HttpStatusCode, JsonElement)> PostAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        using var response = await _http.PostAsync(new Uri(path, UriKind.Relative), content);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }

    private async Task<JsonElement> SnapshotAsync() =>
        JsonDocument.Parse(await _http.GetStringAsync(new Uri("/api/dashboard", UriKind.Relative))).RootElement;

    private Task WaitUntilMastersAsync() => TestSupport.WaitUntilAsync(
        async () => (await _http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode,
        () => "the site never knew a master of every shard");

    private static async Task<(string Kind, string Data)> NextEventAsync(StreamReader reader)
    {
        string? kind = null, data = null;
        while (await reader.ReadLineAsync().WaitAsync(TestSupport.Deadline) is { } line)
        {
            if (line.Length == 0 && data is not null)
            {
                return (kind ?? "message", data);
            }

            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                kind = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line["data: ".Length..];
            }
        }

        throw new EndOfStreamException("the stream ended");
    }
}
