using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using OrleansRep.Runtime.Testing;
using Xunit.Abstractions;

namespace OrleansRep.EndToEnd.Tests;

/// <summary>
/// The scripts of <c>deploy/local</c> run as an operator runs them, against the silo built beside the tests:
/// <c>run-sites.sh</c>/<c>stop-sites.sh</c> on loopback ports picked free here, and (opt-in, root) the network
/// namespace scripts with a partition and its heal.
/// </summary>
public sealed class DeployScriptTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ScriptDeadline = TimeSpan.FromSeconds(150);

    // run-sites.sh --port-base P: site N on P+N (site-to-site), P+100+N (gateway), P+200+N (HTTP).
    private static readonly int[] PortOffsets = [1, 2, 3, 101, 102, 103, 201, 202, 203];

    [Fact]
    public async Task Run_sites_starts_three_ready_sites_and_stop_sites_leaves_no_process()
    {
        var data = Directory.CreateTempSubdirectory("orep-deploy-").FullName;
        var portBase = FreePortBase();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var passed = false;
        try
        {
            var run = await ScriptAsync(null, "run-sites.sh", "3", "--data", data, "--silo", AppContext.BaseDirectory,
                "--port-base", Text(portBase), "--timeout", "90", "--", "--shards", "2", "--probe-timeout", "00:00:01", "--missed-probes", "5");
            Assert.True(run.ExitCode == 0, $"run-sites.sh exited with {run.ExitCode} (port base {portBase}):\n{run.Output}");
            var pids = new List<int>();
            foreach (var site in new[] { 1, 2, 3 })
            {
                // Checked here too, not only by the script's own wait: HTTP at P+200+N, as the script documents.
                var ready = await http.GetAsync(new Uri($"http://127.0.0.1:{portBase + 200 + site}/readyz"));
                Assert.True(ready.IsSuccessStatusCode, $"site {site} answered /readyz with {ready.StatusCode}");
                foreach (var file in new[] { $"site-{site}.supervisor.pid", $"site-{site}.pid" })
                {
                    var pid = int.Parse(File.ReadAllText(Path.Combine(data, file)).Trim(), CultureInfo.InvariantCulture);
                    Assert.True(CommandLine(pid).Contains(data, StringComparison.Ordinal), $"{file}: pid {pid} is not one of this test's processes");
                    pids.Add(pid);
                }
            }

            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, "cluster.secret")));
            }

            var status = JsonDocument.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{portBase + 201}/api/status")));
            Assert.Equal([1, 2, 3], status.RootElement.GetProperty("sites").EnumerateArray().Select(s => s.GetProperty("id").GetInt32()));

            var stop = await ScriptAsync(null, "stop-sites.sh", "--data", data);
            Assert.True(stop.ExitCode == 0, $"stop-sites.sh exited with {stop.ExitCode}:\n{stop.Output}");
            Assert.DoesNotContain(pids, p => CommandLine(p).Contains(data, StringComparison.Ordinal));
            Assert.Empty(ProcessesMentioning(data));
            foreach (var site in new[] { 1, 2, 3 })
            {
                // The supervisor's record of how the silo ended: SIGTERM is a graceful stop, exit code 0.
                Assert.Contains($"orep-supervise: site {site}: exited with code 0", await File.ReadAllTextAsync(Path.Combine(data, $"site-{site}.log")), StringComparison.Ordinal);
            }

            passed = true;
        }
        finally
        {
            await CleanUpAsync(data, passed, netns: null);
        }
    }

    [Fact]
    public async Task Run_sites_with_a_certificate_checks_readiness_over_https_and_publishes_the_pin()
    {
        var data = Directory.CreateTempSubdirectory("orep-deploy-tls-").FullName;
        var portBase = FreePortBase();
        var passed = false;
        try
        {
            await RequireAsync(null, "make-credentials.sh", data);
            // One site: the HTTPS path of the readiness checks without a cluster's start-up time (the netns test runs three).
            var run = await ScriptAsync(null, "run-sites.sh", "1", "--data", data, "--silo", AppContext.BaseDirectory,
                "--port-base", Text(portBase), "--certificate", Path.Combine(data, "cluster.pfx"), "--timeout", "90", "--", "--shards", "2");
            Assert.True(run.ExitCode == 0, $"run-sites.sh exited with {run.ExitCode} (port base {portBase}):\n{run.Output}");
            Assert.DoesNotContain("take any certificate", run.Output, StringComparison.Ordinal);

            var env = SitesEnv(data);
            var url = $"https://127.0.0.1:{portBase + 201}";
            Assert.Equal(url, env["OREP_HTTP_1"]);
            Assert.StartsWith("sha256//", env["OREP_HTTP_PIN"], StringComparison.Ordinal);

            using var http = ClusterHttpClient(data);
            Assert.True((await http.GetAsync(new Uri($"{url}/readyz"))).IsSuccessStatusCode, "/readyz over https");
            Assert.Equal(1, JsonDocument.Parse(await http.GetStringAsync(new Uri($"{url}/api/status"))).RootElement.GetProperty("site").GetInt32());
            // The pin is the served certificate's key: curl accepts it, and refuses another.
            var curl = await CommandAsync("curl", "-fsS", "-m", "10", "-k", "--pinnedpubkey", env["OREP_HTTP_PIN"], $"{url}/healthz");
            Assert.True(curl.ExitCode == 0, $"curl with OREP_HTTP_PIN: {curl.Output}");
            var wrong = await CommandAsync("curl", "-fsS", "-m", "10", "-k", "--pinnedpubkey", "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", $"{url}/healthz");
            Assert.True(wrong.ExitCode == 90, $"curl with another pin exited {wrong.ExitCode}: {wrong.Output}"); // 90: public key does not match

            await RequireAsync(null, "stop-sites.sh", "--data", data);
            Assert.Empty(ProcessesMentioning(data));
            passed = true;
        }
        finally
        {
            await CleanUpAsync(data, passed, netns: null);
        }
    }

    [NetnsFact]
    public async Task Netns_sites_a_partitioned_site_is_reported_unhealthy_and_heal_brings_it_back()
    {
        // A prefix and subnet of the test's own, beside any cluster an operator runs with the defaults (orep, 10.77.0).
        var netns = new Dictionary<string, string> { ["OREP_NETNS_PREFIX"] = "oreptest", ["OREP_NETNS_SUBNET"] = "10.77.9" };
        var data = Directory.CreateTempSubdirectory("orep-netns-").FullName;
        var passed = false;
        try
        {
            await RequireAsync(netns, "netns-up.sh", "3");
            await RequireAsync(netns, "netns-run.sh", "3", "--data", data, "--silo", AppContext.BaseDirectory, "--timeout", "90",
                "--", "--shards", "2", "--probe-timeout", "00:00:01", "--missed-probes", "5");

            // With the cluster's certificate the HTTP endpoints are HTTPS with it: sites.env says so, with the key's pin.
            var env = SitesEnv(data);
            var pin = env["OREP_HTTP_PIN"];
            Assert.StartsWith("sha256//", pin, StringComparison.Ordinal);
            foreach (var site in new[] { 1, 2, 3 })
            {
                Assert.Equal($"https://10.77.9.{site}:{8080 + site}", env[$"OREP_HTTP_{site}"]);
                // From inside the site's namespace, as its peers reach it: the probe needs no credentials.
                await RequireAsync(netns, "netns-exec.sh", Text(site), "curl", "-fsS", "-m", "5", "-k", "--pinnedpubkey", pin, $"{env[$"OREP_HTTP_{site}"]}/readyz");
            }

            // The host reaches every site through the bridge (10.77.9.254), partitioned or not: /api/status as the admin
            // (the cluster secret as password), the certificate pinned.
            using var http = ClusterHttpClient(data);
            async Task<bool> Healthy(int site, int about)
            {
                using var status = JsonDocument.Parse(await http.GetStringAsync(new Uri($"https://10.77.9.{site}:{8080 + site}/api/status")));
                return status.RootElement.GetProperty("sites").EnumerateArray().Single(s => s.GetProperty("id").GetInt32() == about).GetProperty("healthy").GetBoolean();
            }

            Assert.True(await Healthy(1, 3) && await Healthy(2, 3), "site 3 is not reported healthy before the partition");
            await RequireAsync(netns, "netns-partition.sh", "3");
            await Conditions.WaitUntilAsync(async () => !await Healthy(1, 3) && !await Healthy(2, 3), () => "sites 1 and 2 report site 3 unhealthy while it is cut off", SiloCluster.Deadline, data, TimeSpan.FromMilliseconds(200));
            Assert.True(await Healthy(1, 2) && await Healthy(2, 1), "sites 1 and 2, on the same side, report each other unhealthy");

            await RequireAsync(netns, "netns-heal.sh");
            // Declared dead, site 3 exits 3 once it hears so, and its supervisor starts a new incarnation that rejoins.
            await Conditions.WaitUntilAsync(async () => await Healthy(1, 3) && await Healthy(2, 3) && await Healthy(3, 1), () => "every site reports site 3 healthy again after the heal", SiloCluster.Deadline, data, TimeSpan.FromMilliseconds(200));
            await RequireAsync(netns, "netns-exec.sh", "3", "curl", "-fsS", "-m", "5", "-k", "--pinnedpubkey", pin, "https://10.77.9.3:8083/readyz");

            await RequireAsync(null, "stop-sites.sh", "--data", data);
            await RequireAsync(netns, "netns-down.sh");
            Assert.Empty(Directory.GetDirectories("/sys/class/net", "oreptest-*"));
            Assert.Empty(Directory.Exists("/run/netns") ? Directory.GetFiles("/run/netns", "oreptest-*") : []);
            Assert.Empty(ProcessesMentioning(data));
            passed = true;
        }
        finally
        {
            await CleanUpAsync(data, passed, netns);
        }
    }

    /// <summary>The variables run-sites.sh wrote to DIR/sites.env (NAME=value lines, # comments).</summary>
    private static Dictionary<string, string> SitesEnv(string data) =>
        File.ReadAllLines(Path.Combine(data, "sites.env")).Where(l => l.Length > 0 && l[0] != '#' && l.Contains('=', StringComparison.Ordinal))
            .ToDictionary(l => l[..l.IndexOf('=', StringComparison.Ordinal)], l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..], StringComparer.Ordinal);

    /// <summary>An HTTPS client of the sites run with DIR/cluster.pfx: that certificate pinned (self-signed, naming no
    /// host: as the sites check each other) and the admin's Basic credentials (the cluster secret, trimmed).</summary>
    private static HttpClient ClusterHttpClient(string data)
    {
        var certificate = File.ReadAllBytes(Path.Combine(data, "cluster.pfx"));
        using var pinned = X509CertificateLoader.LoadPkcs12(certificate, null);
        var raw = pinned.RawData;
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented is not null && presented.RawData.AsSpan().SequenceEqual(raw),
        };
        var http = new HttpClient(handler, disposeHandler: true) { Timeout = TimeSpan.FromSeconds(5) };
        var secret = File.ReadAllText(Path.Combine(data, "cluster.secret")).Trim();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{secret}")));
        return http;
    }

    // Stops whatever the test left running (stop-sites.sh, and netns-down.sh for what runs in the namespaces), then
    // keeps the data directory with the site logs if the test failed.
    private async Task CleanUpAsync(string data, bool passed, Dictionary<string, string>? netns)
    {
        if (!passed)
        {
            foreach (var log in Directory.GetFiles(data, "site-*.log"))
            {
                output.WriteLine($"===== {log} =====\n{await File.ReadAllTextAsync(log)}");
            }
        }

        await ScriptAsync(null, "stop-sites.sh", "--data", data, "--timeout", "15");
        if (netns is not null)
        {
            await ScriptAsync(netns, "netns-down.sh");
        }

        if (passed)
        {
            Directory.Delete(data, recursive: true);
        }
        else
        {
            output.WriteLine($"data and logs kept in {data}");
        }
    }

    private async Task RequireAsync(Dictionary<string, string>? environment, string script, params string[] args)
    {
        var result = await ScriptAsync(environment, script, args);
        Assert.True(result.ExitCode == 0, $"{script} {string.Join(' ', args)} exited with {result.ExitCode}:\n{result.Output}");
    }

    /// <summary>Runs a script of deploy/local to its end: exit code and output.</summary>
    private Task<(int ExitCode, string Output)> ScriptAsync(Dictionary<string, string>? environment, string script, params string[] args) =>
        RunAsync(environment, "bash", [Path.Combine(LocalScripts, script), .. args]);

    /// <summary>Runs a command to its end: exit code and output.</summary>
    private Task<(int ExitCode, string Output)> CommandAsync(string command, params string[] args) => RunAsync(null, command, args);

    private async Task<(int ExitCode, string Output)> RunAsync(Dictionary<string, string>? environment, string command, string[] args)
    {
        var info = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? [])
        {
            info.Environment[name] = value;
        }

        var text = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { lock (text) { text.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (text) { text.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync().WaitAsync(ScriptDeadline);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        process.WaitForExit(); // the end of its output
        lock (text)
        {
            output.WriteLine($"$ {command} {string.Join(' ', args)} -> {process.ExitCode}\n{text}");
            return (process.ExitCode, text.ToString());
        }
    }

    /// <summary>deploy/local of the repository the tests were built from (found upwards from the test binaries).</summary>
    private static string LocalScripts
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "deploy", "local");
                if (File.Exists(Path.Combine(candidate, "run-sites.sh")))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException($"no deploy/local/run-sites.sh above {AppContext.BaseDirectory}");
        }
    }

    // A base P whose ports P+1..3 (site-to-site), P+101..103 (gateway) and P+201..203 (HTTP) are free now, below the
    // ephemeral range (32768+) so that no outgoing connection takes one meanwhile; spread by process id between runs.
    private static int FreePortBase()
    {
        for (var attempt = 0; attempt < 40; attempt++)
        {
            var portBase = 20000 + ((Environment.ProcessId + attempt * 7) % 40 * 300);
            if (PortOffsets.All(offset => FreePorts.IsFree(portBase + offset)))
            {
                return portBase;
            }
        }

        throw new InvalidOperationException("no free port base between 20000 and 32000");
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static List<string> ProcessesMentioning(string data) =>
        [.. Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(n => int.TryParse(n, out _))
            .Select(n => (Pid: n!, CommandLine: CommandLine(int.Parse(n!, CultureInfo.InvariantCulture))))
            .Where(p => p.CommandLine.Contains(data, StringComparison.Ordinal)).Select(p => $"{p.Pid}: {p.CommandLine}")];

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Opt-in (<c>OREP_NETNS=1</c>): network namespaces, veth and iptables need root, and the test makes
    /// (and removes) oreptest-N namespaces and the oreptest-br0 bridge on the machine.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class NetnsFactAttribute : FactAttribute
    {
        public NetnsFactAttribute()
        {
            if (Environment.GetEnvironmentVariable("OREP_NETNS") != "1")
            {
                Skip = "opt-in: network namespaces as root (OREP_NETNS=1 runs it)";
            }
            else if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            {
                Skip = "network namespaces need root on Linux";
            }
        }
    }
}
