using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;

namespace OrleansRep.Cli.LocalSites;

/// <summary>
/// A cluster of silo processes on loopback that <c>orep</c> starts for itself (for <c>orep bench cluster</c> without
/// <c>--cluster</c>, and <c>orep bench failover</c>): a fresh temporary data directory with a generated cluster
/// secret, every port picked free up front (site-to-site, gateway, HTTP) so that a restarted site comes back at the same
/// addresses, site 1 started first (it founds the cluster) and the others once it answers /healthz. Disposing stops every
/// site (SIGTERM, then a kill) and deletes the directory, whatever happened before.
/// </summary>
internal sealed class LocalSiteCluster : IAsyncDisposable
{
    /// <summary>How often a site is started before its exits while starting are taken as a failure.</summary>
    private const int MaxStartAttempts = 5;

    private readonly LocalSiteClusterOptions _options;
    private readonly TextWriter _progress;
    private readonly (int Site, int Gateway, int Http)[] _ports;
    private readonly Dictionary<int, LocalSiteProcess> _running = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly CancellationToken _interrupted;

    private LocalSiteCluster(LocalSiteClusterOptions options, TextWriter progress, CancellationToken interrupted)
    {
        _options = options;
        _progress = progress;
        _interrupted = interrupted;
        DataRoot = Directory.CreateTempSubdirectory("orep-bench-").FullName;
        SecretFile = Path.Combine(DataRoot, "cluster.secret");
        // Hex text, as the local cluster writes it: the silos and the client read the same file the same way.
        File.WriteAllText(SecretFile, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) + "\n");
        _ports = [.. Enumerable.Range(0, options.Sites).Select(_ => (FreePort(), FreePort(), FreePort()))];
    }

    /// <summary>The temporary directory holding every site's data and the secret; deleted on dispose.</summary>
    public string DataRoot { get; }

    /// <summary>The cluster secret file, for <see cref="Client.OrleansRepClientOptions.SecretFile"/>.</summary>
    public string SecretFile { get; }

    public IEnumerable<int> SiteIds => Enumerable.Range(1, _ports.Length);

    /// <summary>Every site's client gateway, "127.0.0.1:PORT".</summary>
    public IList<string> Gateways => [.. SiteIds.Select(s => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{_ports[s - 1].Gateway}"))];

    /// <summary>Starts the cluster and waits until every site is ready; on any failure stops what was started. Once
    /// <paramref name="cancellationToken"/> is cancelled (Ctrl-C), disposing kills the sites instead of stopping them
    /// gracefully: the command line allows an interrupted command only a moment to clean up, and the data is thrown
    /// away anyway.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="TimeoutException">A site did not start or become ready in time (the message has its output).</exception>
    public static async Task<LocalSiteCluster> StartAsync(LocalSiteClusterOptions options, TextWriter progress, CancellationToken cancellationToken)
    {
        options.Validate();
        var cluster = new LocalSiteCluster(options, progress, cancellationToken);
        try
        {
            progress.WriteLine($"starting {options.Sites} silo processes ({options.Shards} shards) in {cluster.DataRoot}");
            await cluster.StartSiteAsync(1, cancellationToken).ConfigureAwait(false);
            await cluster.WaitForAsync(1, "/healthz", cancellationToken).ConfigureAwait(false);
            await Task.WhenAll(cluster.SiteIds.Skip(1).Select(s => cluster.StartSiteAsync(s, cancellationToken))).ConfigureAwait(false);
            await cluster.WaitReadyAsync(cancellationToken).ConfigureAwait(false);
            progress.WriteLine($"cluster ready: gateways {string.Join(", ", cluster.Gateways)}");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The running process of <paramref name="site"/>.</summary>
    /// <exception cref="InvalidOperationException">The site is not running (killed and not restarted).</exception>
    public LocalSiteProcess Process(int site) =>
        _running.TryGetValue(site, out var process) ? process : throw new InvalidOperationException($"site {site} is not running");

    /// <summary>Waits until every running site answers /readyz (it knows every shard's master).</summary>
    public async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        foreach (var site in _running.Keys.Order().ToList())
        {
            await WaitForAsync(site, "/readyz", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether running site <paramref name="site"/> reports site <paramref name="about"/> healthy in its
    /// /api/status (its failure detector's view).</summary>
    public async Task<bool> ReportsHealthyAsync(int site, int about, CancellationToken cancellationToken)
    {
        var url = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{_ports[site - 1].Http}/api/status"));
        using var document = JsonDocument.Parse(await _http.GetStringAsync(url, cancellationToken).ConfigureAwait(false));
        return document.RootElement.GetProperty("sites").EnumerateArray()
            .Any(s => s.GetProperty("id").GetInt32() == about && s.GetProperty("healthy").GetBoolean());
    }

    /// <summary>Site <paramref name="site"/>'s own replica of <paramref name="shard"/> as its /api/status reports it:
    /// role (None, Client, Master) and the master it knows (0: none).</summary>
    public async Task<(string Role, int Master)> ReplicaAsync(int site, int shard, CancellationToken cancellationToken)
    {
        var url = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{_ports[site - 1].Http}/api/status"));
        using var document = JsonDocument.Parse(await _http.GetStringAsync(url, cancellationToken).ConfigureAwait(false));
        var replica = document.RootElement.GetProperty("shards").EnumerateArray().First(s => s.GetProperty("shard").GetInt32() == shard);
        return (replica.GetProperty("role").GetString() ?? "", replica.GetProperty("master").GetInt32());
    }

    /// <summary>The sites running now (not killed, not exited).</summary>
    public IEnumerable<int> RunningSites => _running.Where(p => !p.Value.HasExited).Select(p => p.Key).Order();

    /// <summary>kill -9 of <paramref name="site"/>; returns once the process is gone.</summary>
    public void Kill(int site)
    {
        var process = Process(site);
        process.Kill();
        _running.Remove(site);
        process.Dispose();
    }

    /// <summary>Starts <paramref name="site"/> again (after <see cref="Kill"/> or after it exited) at the same addresses and data.</summary>
    public Task RestartAsync(int site, CancellationToken cancellationToken) => StartSiteAsync(site, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_interrupted.IsCancellationRequested)
        {
            foreach (var process in _running.Values)
            {
                process.Kill();
            }
        }
        else
        {
            await Task.WhenAll(_running.Values.Select(p => p.StopAsync(_options.StopTimeout))).ConfigureAwait(false);
        }

        foreach (var process in _running.Values)
        {
            process.Dispose();
        }

        _running.Clear();
        _http.Dispose();
        try
        {
            Directory.Delete(DataRoot, recursive: true);
        }
        catch (IOException e)
        {
            _progress.WriteLine($"could not delete {DataRoot}: {e.Message}");
        }
    }

    /// <summary>Starts the site and waits for its start line. A site that exits before then (declared dead by the others
    /// while it was still starting, on a loaded machine) is started again, as the local cluster's supervisor would, up
    /// to <see cref="MaxStartAttempts"/> times.</summary>
    private async Task StartSiteAsync(int site, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var process = Launch(site);
            try
            {
                await process.Started.WaitAsync(_options.StartTimeout, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"site {site} printed no start line within {_options.StartTimeout.TotalSeconds:0} s; its last output:\n{process.LogTail(20)}");
            }
            catch (InvalidOperationException) when (process.HasExited && attempt < MaxStartAttempts)
            {
                _progress.WriteLine($"site {site} exited with code {process.ExitCode} while starting; starting it again");
            }
        }
    }

    private LocalSiteProcess Launch(int site)
    {
        if (_running.Remove(site, out var old))
        {
            old.Dispose();
        }

        var sites = string.Join(',', SiteIds.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s}=127.0.0.1:{_ports[s - 1].Site}")));
        var (sitePort, gatewayPort, httpPort) = _ports[site - 1];
        string[] args = [
            "--site-id", site.ToString(CultureInfo.InvariantCulture), "--data", DataRoot, "--sites", sites,
            "--site-endpoint", $"127.0.0.1:{sitePort}", "--gateway-endpoint", $"127.0.0.1:{gatewayPort}", "--http-endpoint", $"127.0.0.1:{httpPort}",
            "--shards", _options.Shards.ToString(CultureInfo.InvariantCulture), .. _options.ExtraSiloArguments];
        var process = new LocalSiteProcess(site, _options.SiloDll, args);
        _running[site] = process;
        return process;
    }

    /// <summary>Polls the site's <paramref name="path"/> every 100 ms until it answers with success (a refused or failed
    /// request is "not yet"); stops at once when cancelled (Ctrl-C) or when the site has exited.</summary>
    private async Task WaitForAsync(int site, string path, CancellationToken cancellationToken)
    {
        var url = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{_ports[site - 1].Http}{path}"));
        var deadline = DateTime.UtcNow + _options.StartTimeout;
        string last = "no answer yet";
        var restarts = 0;
        while (DateTime.UtcNow < deadline)
        {
            var process = Process(site);
            if (process.HasExited)
            {
                if (++restarts == MaxStartAttempts)
                {
                    throw new InvalidOperationException($"site {site} exited with code {process.ExitCode} while starting, {MaxStartAttempts} times; its last output:\n{process.LogTail(20)}");
                }

                _progress.WriteLine($"site {site} exited with code {process.ExitCode} before it was ready; starting it again");
                await StartSiteAsync(site, cancellationToken).ConfigureAwait(false);
                continue;
            }

            try
            {
                using var response = await _http.GetAsync(url, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                last = e.Message;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"site {site} did not answer {path} with success within {_options.StartTimeout.TotalSeconds:0} s (last: {last}); data in {DataRoot}; its last output:\n{Process(site).LogTail(20)}");
    }

    /// <summary>Ports handed out by this process (a picked port stays free until its site binds it, so it could be
    /// picked again meanwhile).</summary>
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A free port in 5000-9999: below Linux's ephemeral range (32768-60999), where a port picked free and released can
    /// be taken by any outgoing connection before the site binds it (CI saw a site fail to start four times on the same
    /// taken port), and apart from the ranges the test suites pick from (10000-32000). Never the same twice here.
    /// </summary>
    private static int FreePort()
    {
        for (var attempt = 0; attempt < 1_000; attempt++)
        {
            var port = Random.Shared.Next(5_000, 10_000);
            lock (HandedOut)
            {
                if (!HandedOut.Contains(port) && IsFree(port))
                {
                    HandedOut.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException("no free port in 5000-9999 for the local sites");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
