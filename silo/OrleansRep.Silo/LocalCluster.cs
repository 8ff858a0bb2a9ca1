using System.Diagnostics;
using System.Globalization;
using System.Net.NetworkInformation;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace OrleansRep.Silo;

/// <summary>
/// The README's main command: three site processes of this executable on loopback (site N: site-to-site
/// 127.0.0.1:11110+N, gateway 30000+N, HTTP 8080+N, data {DataRoot}/site-N), supervised here. A site that dies is
/// reported and restarted; Ctrl-C or SIGTERM stops every site gracefully (SIGTERM, then a kill after
/// <see cref="StopTimeout"/>). The cluster secret is generated once into {DataRoot}/cluster.secret (mode 0600, 32
/// random bytes as hex text) and read from there by the sites and by <c>orep</c>, so nothing secret is on a command line.
/// </summary>
public sealed class LocalCluster(SiteOptions options, string[] args) : IDisposable
{
    /// <summary>Set to "1" in a supervised site's environment: it stops when its stdin (the supervisor's pipe) closes.</summary>
    public const string SupervisedVariable = "OREP_SUPERVISED";

    /// <summary>Sites in the local cluster.</summary>
    public const int SiteCount = 3;

    /// <summary>How long a site may take to stop before it is killed.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    /// <summary>How long the first site may take to answer /healthz before the others start.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process?[] _sites = new Process?[SiteCount + 1];
    private readonly string _root = Path.GetFullPath(options.DataRoot);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Runs until Ctrl-C/SIGTERM; returns the exit code.</summary>
    /// <exception cref="ArgumentException">A port of the local cluster is in use, or a site's configuration is invalid.</exception>
    public async Task<int> RunAsync()
    {
        // Another local cluster would answer this one's health checks: refuse to start beside it.
        var ports = Enumerable.Range(1, SiteCount).SelectMany(n => new[] { 11110 + n, 30000 + n, 8080 + n }).ToHashSet();
        var taken = IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpListeners().Select(e => e.Port).Where(ports.Contains).Distinct().Order().ToList();
        if (taken.Count > 0)
        {
            throw new ArgumentException($"the local cluster's ports {string.Join(", ", taken)} are in use (is a local cluster running already?)");
        }

        // Each site's configuration is checked here, so a bad option is one message, not three sites failing to start.
        for (var site = 1; site <= SiteCount; site++)
        {
            SiteConfiguration.Bind(SiteConfiguration.Build([.. args, "--site-id", site.ToString(CultureInfo.InvariantCulture)])).Validate();
        }

        Directory.CreateDirectory(_root);
        var secretFile = Path.GetFullPath(options.SecretFile);
        if (!File.Exists(secretFile) && !OperatingSystem.IsWindows())
        {
            using var file = new FileStream(secretFile, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite });
            using var writer = new StreamWriter(file);
            await writer.WriteLineAsync(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))).ConfigureAwait(false);
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        var supervisors = new List<Task>();
        using var http = Probe();
        for (var site = 1; site <= SiteCount && !_stopping.IsCancellationRequested; site++)
        {
            supervisors.Add(SuperviseAsync(site, secretFile));
            if (site == 1)
            {
                // The first site founds the cluster; the others join through it (started together, each could found its own).
                await WaitForAsync(http, 1, "/healthz").ConfigureAwait(false);
            }
        }

        for (var site = 1; site <= SiteCount; site++)
        {
            await WaitForAsync(http, site, "/readyz").ConfigureAwait(false);
        }

        if (!_stopping.IsCancellationRequested)
        {
            PrintBanner(secretFile, http.Scheme);
        }

        await Task.WhenAll(supervisors).ConfigureAwait(false);
        Console.WriteLine("local cluster: every site stopped");
        return 0;
    }

    public void Dispose() => _stopping.Dispose();

    private void OnSignal(PosixSignalContext context)
    {
        // The sites stop themselves on the same Ctrl-C (one process group) and on the SIGTERM sent below.
        context.Cancel = true;
        if (!_stopping.IsCancellationRequested)
        {
            Console.WriteLine("local cluster: stopping every site");
            _stopping.Cancel();
        }
    }

    private async Task SuperviseAsync(int site, string secretFile)
    {
        var log = Path.Combine(_root, $"site-{site}.log");
        var quickDeaths = 0;
        while (!_stopping.IsCancellationRequested)
        {
            var started = Stopwatch.StartNew();
            using var process = Start(site, secretFile, log);
            _sites[site] = process;
            try
            {
                await process.WaitForExitAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await StopAsync(process).ConfigureAwait(false);
                return;
            }

            // Exit code 3 is the cluster's decision (declared dead), not a crash loop: always restart.
            quickDeaths = started.Elapsed < TimeSpan.FromSeconds(10) && process.ExitCode != 3 ? quickDeaths + 1 : 0;
            if (process.ExitCode == 2)
            {
                Console.WriteLine($"site {site} refused its configuration (exit code 2); not restarting it (log: {log})");
                return;
            }

            if (quickDeaths >= 3)
            {
                Console.WriteLine($"site {site} exited with code {process.ExitCode} three times within seconds of starting; not restarting it (log: {log})");
                return;
            }

            Console.WriteLine($"site {site} exited with code {process.ExitCode}; restarting it (log: {log})");
            await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None).ConfigureAwait(false);
        }
    }

    private Process Start(int site, string secretFile, string log)
    {
        // This executable again: through `dotnet` when that is what runs it (dotnet OrleansRep.Silo.dll), else the apphost.
        var self = Environment.ProcessPath!;
        var info = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            info.ArgumentList.Add(typeof(LocalCluster).Assembly.Location);
        }

        foreach (var arg in args.Concat(["--site-id", site.ToString(CultureInfo.InvariantCulture), "--data", _root, "--secret-file", secretFile]))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment[SupervisedVariable] = "1";
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start site {site}");
        var output = new StreamWriter(log, append: true) { AutoFlush = true };
        var gate = new Lock();
        void Write(string? line)
        {
            if (line is not null)
            {
                lock (gate)
                {
                    output.WriteLine(line);
                }
            }
        }

        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.Exited += (_, _) => output.Dispose();
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task StopAsync(Process process)
    {
        try
        {
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync().ConfigureAwait(false);
            }

            await process.WaitForExitAsync().WaitAsync(StopTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    // With --certificate the sites' HTTP endpoints are HTTPS with the cluster's certificate: the probe pins it.
    private SiteHttpProbe Probe()
    {
        try
        {
            return new SiteHttpProbe(options, TimeSpan.FromSeconds(2));
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"CertificatePath: cannot read '{Path.GetFullPath(options.CertificatePath!)}' ({e.Message}); a password goes in OREP_CERTIFICATEPASSWORD", e);
        }
    }

    private async Task WaitForAsync(SiteHttpProbe http, int site, string path)
    {
        var url = http.Url("127.0.0.1", 8080 + site, path);
        var deadline = Stopwatch.StartNew();
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                if (await http.AnswersAsync(url, _stopping.Token).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }

            if (deadline.Elapsed > StartTimeout)
            {
                Console.WriteLine($"site {site} did not answer {url} within {StartTimeout.TotalSeconds:0} s; see {Path.Combine(_root, $"site-{site}.log")}");
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), CancellationToken.None).ConfigureAwait(false);
        }
    }

    private void PrintBanner(string secretFile, string scheme)
    {
        Console.WriteLine($"""
            OrleansRep local cluster: {SiteCount} sites, {options.Shards} shards, data in {_root}
              cluster secret: {secretFile} (0600; the sites and orep read it)
            """);
        if (options.CertificatePath is not null)
        {
            // DashboardBasicAuth: the probes are open, the rest asks for the admin; orep has no certificate option yet.
            Console.WriteLine($"""
                  HTTPS with {Path.GetFullPath(options.CertificatePath)}: user admin, the cluster secret as password (not
                  asked on /healthz, /readyz, /metrics); the gateways are TLS too, which orep cannot reach yet
                """);
        }

        for (var site = 1; site <= SiteCount; site++)
        {
            Console.WriteLine($"  site {site}: {scheme}://127.0.0.1:{8080 + site}/api/status  /metrics  /api/events  gateway 127.0.0.1:{30000 + site}  log {Path.Combine(_root, $"site-{site}.log")}");
        }

        Console.WriteLine("""
              use it:  dotnet run --project client/OrleansRep.Cli -- put k v      (orep talks to 127.0.0.1:30001-30003)
                       dotnet run --project client/OrleansRep.Cli -- status
            Ctrl-C stops every site.
            """);
    }
}
