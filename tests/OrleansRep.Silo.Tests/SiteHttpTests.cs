using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Silo.Tests;

/// <summary>One site in this process, every endpoint on port 0, a one-site group (so it elects itself master of every shard).</summary>
public sealed partial class SiteHttpTests : IAsyncLifetime, IDisposable
{
    private const string Secret = "silo-tests-secret-0123456789";
    private readonly string _data = TestSupport.TempDirectory();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private SiteApplication? _site;

    private SiteApplication Site => _site!;

    public static SiteOptions OneSite(string data) => new()
    {
        SiteId = 1,
        DataRoot = data,
        Sites = "1=127.0.0.1:0",
        SiteEndPoint = "127.0.0.1:0",
        GatewayEndPoint = "127.0.0.1:0",
        HttpEndPoint = "127.0.0.1:0",
        ClusterSecret = Secret,
        Shards = 2,
    };

    public async Task InitializeAsync()
    {
        _site = await SiteApplication.StartAsync(OneSite(_data));
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
    public async Task Healthz_answers_ok_and_readyz_turns_ready_once_every_shard_has_a_master()
    {
        using var health = await _http.GetAsync(new Uri("/healthz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok\n", await health.Content.ReadAsStringAsync());
        await TestSupport.WaitUntilAsync(
            async () => (await _http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode == HttpStatusCode.OK,
            () => "site 1 never became ready (a master for shards 0 and 1)");
    }

    [Fact]
    public async Task Metrics_are_prometheus_text_with_events_and_per_shard_gauges()
    {
        await WaitUntilReadyAsync();
        using var response = await _http.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var family = "";
        foreach (var line in lines)
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                family = line.Split(' ')[2];
                Assert.Matches("^# TYPE [a-z_][a-z0-9_]* (counter|gauge)$", line);
                continue;
            }

            if (!line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                // Every sample belongs to the family declared just above it, with quoted labels and a number.
                Assert.Matches(SampleLine(), line);
                Assert.StartsWith(family + "{", line, StringComparison.Ordinal);
            }
        }

        Assert.Contains("orep_shard_is_master{site=\"1\",shard=\"0\"} 1", lines);
        Assert.Contains("orep_shard_is_master{site=\"1\",shard=\"1\"} 1", lines);
        Assert.Contains("orep_site_healthy{site=\"1\",peer=\"1\"} 1", lines);
        Assert.Contains(lines, l => l.StartsWith("orep_events_total{site=\"1\",kind=\"Elected\"} ", StringComparison.Ordinal) && !l.EndsWith(" 0", StringComparison.Ordinal));
        Assert.Contains("orep_perm_failed_total{site=\"1\"} 0", lines);
    }

    [Fact]
    public async Task Status_is_json_with_sites_and_shards()
    {
        await WaitUntilReadyAsync();
        using var status = JsonDocument.Parse(await _http.GetStringAsync(new Uri("/api/status", UriKind.Relative)));
        var root = status.RootElement;
        Assert.Equal(1, root.GetProperty("site").GetInt32());
        var site = Assert.Single(root.GetProperty("sites").EnumerateArray());
        Assert.True(site.GetProperty("healthy").GetBoolean());
        Assert.Equal([0, 1], root.GetProperty("shards").EnumerateArray().Select(s => s.GetProperty("shard").GetInt32()));
        Assert.All(root.GetProperty("shards").EnumerateArray(), s => Assert.Equal("Master", s.GetProperty("role").GetString()));
    }

    [Fact]
    public async Task Events_stream_as_server_sent_events_from_the_start_of_the_retained_window()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/events", UriKind.Relative));
        request.Headers.Add("Last-Event-ID", "0");
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = new List<string>();
        while (first.Count < 3 && await reader.ReadLineAsync().WaitAsync(TestSupport.Deadline) is { } line)
        {
            first.Add(line);
        }

        Assert.Equal("id: 1", first.Single(l => l.StartsWith("id:", StringComparison.Ordinal)));
        var data = JsonDocument.Parse(first.Single(l => l.StartsWith("data:", StringComparison.Ordinal))["data:".Length..]).RootElement;
        Assert.Equal(1, data.GetProperty("site").GetInt32());
        Assert.Equal(first.Single(l => l.StartsWith("event:", StringComparison.Ordinal)), $"event: {data.GetProperty("kind").GetString()}");
    }

    [Fact]
    public async Task A_client_on_the_gateway_writes_and_reads_back_and_is_held_to_its_roles()
    {
        await WaitUntilReadyAsync();
        var secret = Encoding.UTF8.GetBytes(Secret);
        await using var writer = await GrainClient.ConnectAsync(Site.Site.Host.GatewayEndPoint!, new GrainClientOptions { ClusterSecret = secret, Roles = ClientRoles.Read | ClientRoles.Write });
        var shard = new ShardMap(2).ShardOf("k"u8.ToArray());
        var grain = writer.GetGrain<ILogShardGrain>(GrainKeys.Shard(shard, 1));
        var token = await grain.Put("k"u8.ToArray(), "v"u8.ToArray(), AckPolicy.Quorum);
        Assert.Equal("v"u8.ToArray(), await grain.Read("k"u8.ToArray(), ReadConsistency.AtLeast, 0, token));

        await using var reader = await GrainClient.ConnectAsync(Site.Site.Host.GatewayEndPoint!, new GrainClientOptions { ClusterSecret = secret, Roles = ClientRoles.Read });
        await Assert.ThrowsAsync<GrainAccessDeniedException>(() => reader.GetGrain<ILogShardGrain>(GrainKeys.Shard(shard, 1)).Put("k"u8.ToArray(), "w"u8.ToArray(), AckPolicy.Quorum));
    }

    [Fact]
    public async Task Metrics_count_each_shards_commits_and_fsyncs()
    {
        await WaitUntilReadyAsync();
        await using var writer = await GrainClient.ConnectAsync(Site.Site.Host.GatewayEndPoint!, new GrainClientOptions { ClusterSecret = Encoding.UTF8.GetBytes(Secret), Roles = ClientRoles.Read | ClientRoles.Write });
        var keys = Enumerable.Range(0, 40).Select(i => Encoding.UTF8.GetBytes($"m{i}")).Where(k => new ShardMap(2).ShardOf(k) == 1).Take(3).ToList();
        foreach (var key in keys)
        {
            await writer.GetGrain<ILogShardGrain>(GrainKeys.Shard(1, 1)).Put(key, "v"u8.ToArray(), AckPolicy.Quorum);
        }

        var lines = (await _http.GetStringAsync(new Uri("/metrics", UriKind.Relative))).Split('\n');
        double Value(string name, int shard) => double.Parse(lines.Single(l => l.StartsWith($"{name}{{site=\"1\",shard=\"{shard}\"}} ", StringComparison.Ordinal)).Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(3, Value("orep_shard_commits_total", 1));
        Assert.Equal(0, Value("orep_shard_commits_total", 0));
        Assert.Equal(0, Value("orep_shard_perm_failed_total", 1));
        Assert.True(Value("orep_shard_fsyncs_total", 1) >= 1);
        Assert.True(Value("orep_shard_log_bytes_written_total", 1) > 0);
        Assert.True(Value("orep_shard_fsync_max_us", 1) > 0);

        // A group of one: nothing streamed to it, asked of it or dropped on the way to a peer.
        Assert.Equal(0, Value("orep_shard_duplicate_records_total", 1));
        Assert.Equal(0, Value("orep_shard_requests_served_total", 1));
        Assert.Equal(0, Value("orep_shard_messages_dropped_total", 1));
    }

    [Fact]
    public async Task A_port_in_use_is_a_configuration_error_naming_the_endpoint()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var data = TestSupport.TempDirectory();
        try
        {
            var http = OneSite(data);
            http.HttpEndPoint = $"127.0.0.1:{port}";
            var e = await Assert.ThrowsAsync<ArgumentException>(() => SiteApplication.StartAsync(http));
            Assert.StartsWith($"HttpEndPoint 127.0.0.1:{port}: address already in use", e.Message, StringComparison.Ordinal);

            var gateway = OneSite(data);
            gateway.GatewayEndPoint = $"127.0.0.1:{port}";
            e = await Assert.ThrowsAsync<ArgumentException>(() => SiteApplication.StartAsync(gateway));
            Assert.Contains($"GatewayEndPoint 127.0.0.1:{port}: address already in use", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private Task WaitUntilReadyAsync() => TestSupport.WaitUntilAsync(
        async () => (await _http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode == HttpStatusCode.OK,
        () => "site 1 never became ready");

    [GeneratedRegex("""^[a-z_][a-z0-9_]*\{([a-z]+="[^"]*",?)+\} -?[0-9]+(\.[0-9]+)?(E[+-]?[0-9]+)?$""")]
    private static partial Regex SampleLine();
}
