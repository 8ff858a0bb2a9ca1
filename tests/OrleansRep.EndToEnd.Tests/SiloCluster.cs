using OrleansRep.Runtime.Testing;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using OrleansRep.Client;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Transport;
using Xunit.Abstractions;

namespace OrleansRep.EndToEnd.Tests;

/// <summary>
/// A cluster of real silo processes for one test: site-to-site and gateway ports picked free here (every site must know
/// the first up front; both stay a site's across restarts), HTTP on port 0 (read back from each site's start line), a
/// fresh data directory with a cluster secret file. Every process is killed when the test ends; unless the test called <see cref="Passed"/>, each site's
/// log goes to the test output and the data directory is kept, with its path printed.
/// </summary>
internal sealed class SiloCluster : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private readonly ITestOutputHelper _output;
    private readonly Dictionary<int, SiloProcess> _sites = [];
    private readonly List<SiloProcess> _dead = [];
    private readonly int[] _ports;
    private readonly int[] _gatewayPorts;
    private bool _passed;

    public SiloCluster(ITestOutputHelper output, int sites = 3, int shards = 2)
    {
        _output = output;
        Shards = shards;
        DataRoot = Directory.CreateTempSubdirectory("orep-e2e-").FullName;
        File.WriteAllText(Path.Combine(DataRoot, "cluster.secret"), Convert.ToHexString(Guid.NewGuid().ToByteArray()));
        _ports = [.. Enumerable.Range(0, sites).Select(_ => FreePorts.Next())];
        // Gateways keep their port across a restart, as a deployment's do: a client configured once finds a restarted site.
        _gatewayPorts = [.. Enumerable.Range(0, sites).Select(_ => FreePorts.Next())];
    }

    public string DataRoot { get; }

    public int Shards { get; }

    public byte[] Secret => Encoding.UTF8.GetBytes(File.ReadAllText(Path.Combine(DataRoot, "cluster.secret")).Trim());

    public IEnumerable<int> SiteIds => Enumerable.Range(1, _ports.Length);

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>More arguments for every founding site started from now on (e.g. "--LogArchiveInterval=00:00:01").</summary>
    public List<string> ExtraArguments { get; } = [];

    /// <summary>Starts site 1, waits until it answers /healthz (it founds the cluster), then the others; waits until every site is ready.</summary>
    public async Task StartAllAsync()
    {
        await StartAsync(1);
        await WaitUntilAsync(async () => (await Http.GetAsync(Url(1, "/healthz"))).IsSuccessStatusCode, () => "site 1 never answered /healthz");
        await Task.WhenAll(SiteIds.Skip(1).Select(StartAsync));
        foreach (var site in SiteIds)
        {
            await WaitUntilAsync(async () => (await Http.GetAsync(Url(site, "/readyz"))).IsSuccessStatusCode, () => $"site {site} never became ready");
        }

        await WaitSettledAsync();
    }

    /// <summary>How long every site must name the same masters, unchanged, for the cluster to count as settled.</summary>
    private static readonly TimeSpan SettleWindow = TimeSpan.FromSeconds(4);

    /// <summary>
    /// Waits until every site names the same master of every shard and has for <see cref="SettleWindow"/>. Just after
    /// start-up, on 2 cores shared with the other test assemblies (and a browser), a master elected first may miss its
    /// heartbeats for a moment and lose its mastership (CI saw it 3 s after the election): tests that look a master up
    /// to kill or to keep would otherwise act on one that is already gone.
    /// </summary>
    public async Task WaitSettledAsync()
    {
        var seen = "";
        var since = Stopwatch.GetTimestamp();
        await WaitUntilAsync(async () =>
        {
            var masters = new List<string>();
            foreach (var site in SiteIds)
            {
                using var document = JsonDocument.Parse(await Http.GetStringAsync(Url(site, "/api/status")));
                masters.Add(string.Join(",", document.RootElement.GetProperty("shards").EnumerateArray().Select(s => s.GetProperty("master").GetInt32())));
            }

            var now = masters.Distinct().Count() == 1 && !masters[0].Split(',').Contains("0") ? masters[0] : "";
            if (now != seen || now.Length == 0)
            {
                (seen, since) = (now, Stopwatch.GetTimestamp());
                return false;
            }

            return Stopwatch.GetElapsedTime(since) >= SettleWindow;
        }, () => $"the sites never agreed on the masters for {SettleWindow.TotalSeconds:0} s (last agreed: {seen})");
    }

    /// <summary>Starts (or restarts) site <paramref name="site"/> and waits for its start line.</summary>
    public async Task StartAsync(int site)
    {
        var sites = string.Join(',', SiteIds.Select(s => $"{s}=127.0.0.1:{_ports[s - 1]}"));
        var process = new SiloProcess(site, [
            "--site-id", site.ToString(CultureInfo.InvariantCulture), "--data", DataRoot, "--sites", sites,
            "--site-endpoint", $"127.0.0.1:{_ports[site - 1]}", "--gateway-endpoint", $"127.0.0.1:{_gatewayPorts[site - 1]}", "--http-endpoint", "127.0.0.1:0",
            "--shards", Shards.ToString(CultureInfo.InvariantCulture),
            // Lenient failure detection: the suite runs beside other test assemblies on 2 cores.
            "--probe-timeout", "00:00:01", "--missed-probes", "5",
            // No takeover runs unless a test asks (--Recovery:Takeover=true): the recovery master would otherwise move
            // masterships that a test has just looked up (which site to kill, to promote).
            "--Recovery:Takeover=false", .. ExtraArguments]);
        _sites[site] = process;
        await process.Started.WaitAsync(Deadline);
    }

    /// <summary>
    /// Starts a new site <paramref name="site"/> on free ports that joins the running cluster (<c>--join</c>, its
    /// <c>--sites</c> the existing sites and itself) and waits for its start line; returns its site-to-site endpoint
    /// (what <c>orep sites add</c> is given). It is not a member until added.
    /// </summary>
    public async Task<IPEndPoint> StartJoiningAsync(int site)
    {
        var port = FreePorts.Next();
        var sites = string.Join(',', SiteIds.Select(s => $"{s}=127.0.0.1:{_ports[s - 1]}").Append($"{site}=127.0.0.1:{port}"));
        var process = new SiloProcess(site, [
            "--site-id", site.ToString(CultureInfo.InvariantCulture), "--data", DataRoot, "--sites", sites, "--join",
            "--site-endpoint", $"127.0.0.1:{port}", "--gateway-endpoint", $"127.0.0.1:{FreePorts.Next()}", "--http-endpoint", "127.0.0.1:0",
            "--shards", Shards.ToString(CultureInfo.InvariantCulture), "--probe-timeout", "00:00:01", "--missed-probes", "5"]);
        _sites[site] = process;
        await process.Started.WaitAsync(Deadline);
        return new IPEndPoint(IPAddress.Loopback, port);
    }

    /// <summary>kill -9 of site <paramref name="site"/>.</summary>
    public void Kill(int site)
    {
        var process = _sites[site];
        process.Kill();
        _sites.Remove(site);
        _dead.Add(process);
    }

    /// <summary>SIGTERM to site <paramref name="site"/>; returns its exit code.</summary>
    public async Task<int> TerminateAsync(int site)
    {
        var process = _sites[site];
        await process.TerminateAsync(Deadline);
        _sites.Remove(site);
        _dead.Add(process);
        return process.ExitCode;
    }

    /// <summary>The process of site <paramref name="site"/>.</summary>
    public SiloProcess Process(int site) => _sites[site];

    /// <summary>Runs the silo with <paramref name="args"/> to its end (for bad configurations): exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToEndAsync(string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = new SiloProcess(0, args, environment);
        await process.WaitForExitAsync(Deadline);
        return (process.ExitCode, process.Log());
    }

    public Uri Url(int site, string path) => new(_sites[site].Started.Result.Http, path);

    public IPEndPoint Gateway(int site) => _sites[site].Started.Result.Gateway;

    /// <summary>Site <paramref name="site"/>'s site-to-site endpoint (membership and replication).</summary>
    public IPEndPoint SiteEndPoint(int site) => new(IPAddress.Loopback, _ports[site - 1]);

    public Task<GrainClient> ConnectAsync(int site) =>
        GrainClient.ConnectAsync(Gateway(site), new GrainClientOptions { ClusterSecret = Secret, ClientId = "e2e", Roles = ClientRoles.Read | ClientRoles.Write });

    /// <summary>What a newcomer's client is given: the gateways of <paramref name="sites"/> (default all) as
    /// "SITE=HOST:PORT" and the cluster's secret file. A client given one site's gateway reads from that site only.</summary>
    public OrleansRepClientOptions ClientOptions(params int[] sites) => new()
    {
        Gateways = [.. (sites.Length == 0 ? SiteIds : sites).Select(s => $"{s}=127.0.0.1:{_gatewayPorts[s - 1]}")],
        SecretFile = Path.Combine(DataRoot, "cluster.secret"),
    };

    /// <summary>Client options as <c>orep</c> connects: every role (promotion, handover and bans need Admin).</summary>
    public OrleansRepClientOptions AdminOptions(params int[] sites)
    {
        var options = ClientOptions(sites);
        options.Roles = ClientRoles.Read | ClientRoles.Write | ClientRoles.Admin;
        return options;
    }

    /// <summary>A key of <paramref name="shard"/> starting with <paramref name="prefix"/>.</summary>
    public static byte[] KeyOf(OrleansRepClient client, int shard, string prefix)
    {
        for (var i = 0; ; i++)
        {
            var key = Encoding.UTF8.GetBytes($"{prefix}-{i}");
            if (client.Map.ShardOf(key) == shard)
            {
                return key;
            }
        }
    }

    /// <summary>The events the sites <paramref name="reader"/> reaches have retained (what <c>orep watch --recent</c>
    /// prints first), read for two seconds.</summary>
    public static async Task<IReadOnlyList<SiteEvent>> RecentEventsAsync(OrleansRepClient reader)
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var seen = new List<SiteEvent>();
        try
        {
            await foreach (var e in reader.WatchEventsAsync(includeRecent: true, stop.Token))
            {
                seen.Add(e);
            }
        }
        catch (OperationCanceledException)
        {
            // Two seconds are up: what came is what the sites retained.
        }

        return seen;
    }

    /// <summary>The master of <paramref name="shard"/> as the sites report it through <paramref name="client"/>, waiting
    /// while there is none.</summary>
    public async Task<int> MasterOfAsync(OrleansRepClient client, int shard)
    {
        var master = 0;
        await WaitUntilAsync(async () => (master = (await client.GetStatusAsync()).MasterOf(shard)?.Site ?? 0) != 0, () => $"shard {shard} has no master");
        return master;
    }

    public async Task<JsonElement> StatusAsync(int site)
    {
        using var document = JsonDocument.Parse(await Http.GetStringAsync(Url(site, "/api/status")));
        return document.RootElement.Clone();
    }

    /// <summary>Site <paramref name="about"/>'s health as site <paramref name="site"/> reports it in /api/status.</summary>
    public async Task<bool> ReportsHealthyAsync(int site, int about) =>
        (await StatusAsync(site)).GetProperty("sites").EnumerateArray().Single(s => s.GetProperty("id").GetInt32() == about).GetProperty("healthy").GetBoolean();

    /// <summary>The master of <paramref name="shard"/> as site <paramref name="site"/> reports it (0: none known).</summary>
    /// <summary>The master site <paramref name="site"/> knows for <paramref name="shard"/>, waiting while it knows none
    /// (an election under way: a loaded machine can start one at any time).</summary>
    public async Task<int> MasterAsync(int site, int shard)
    {
        var master = 0;
        await WaitUntilAsync(
            async () => (master = (await StatusAsync(site)).GetProperty("shards").EnumerateArray().Single(s => s.GetProperty("shard").GetInt32() == shard).GetProperty("master").GetInt32()) != 0,
            () => $"site {site} knows a master of shard {shard}");
        return master;
    }

    /// <summary>Polls <paramref name="condition"/> (a throw is "not yet") until it holds or <see cref="Deadline"/> passes.</summary>
    public Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> explain) =>
        Conditions.WaitUntilAsync(condition, explain, Deadline, $"data and logs in {DataRoot}", TimeSpan.FromMilliseconds(100));

    public void Passed() => _passed = true;

    public ValueTask DisposeAsync()
    {
        foreach (var process in _sites.Values.Concat(_dead))
        {
            if (!_passed)
            {
                _output.WriteLine($"===== site {process.Site} (exited: {process.HasExited}) =====\n{process.Log()}");
            }

            process.Dispose();
        }

        Http.Dispose();
        if (_passed)
        {
            Directory.Delete(DataRoot, recursive: true);
        }
        else
        {
            _output.WriteLine($"data kept in {DataRoot}");
        }

        return ValueTask.CompletedTask;
    }
}
