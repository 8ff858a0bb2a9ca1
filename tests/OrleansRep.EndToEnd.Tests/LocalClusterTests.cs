using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Xunit.Abstractions;

namespace OrleansRep.EndToEnd.Tests;

/// <summary>The README's main command as a process: the supervisor and its three sites on the fixed ports.</summary>
public sealed class LocalClusterTests(ITestOutputHelper output)
{
    [LocalClusterFact]
    public async Task The_main_command_starts_three_ready_sites_restarts_a_killed_one_and_stops_them_all()
    {
        var data = Directory.CreateTempSubdirectory("orep-local-").FullName;
        using var supervisor = new SiloProcess(0, ["--data", data, "--shards", "2"]);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var passed = false;
        try
        {
            await Until(() => Task.FromResult(supervisor.Log().Contains("Ctrl-C stops every site.", StringComparison.Ordinal)), "the banner");
            foreach (var site in new[] { 1, 2, 3 })
            {
                Assert.True((await http.GetAsync(new Uri($"http://127.0.0.1:{8080 + site}/readyz"))).IsSuccessStatusCode, $"site {site} is not ready after the banner");
            }

            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, "cluster.secret")));
            }

            var site2 = Process.GetProcesses().Single(p => p.Id != supervisor.Id && CommandLine(p).Contains("--site-id\02\0", StringComparison.Ordinal) && CommandLine(p).Contains(data, StringComparison.Ordinal));
            site2.Kill();
            await Until(() => Task.FromResult(supervisor.Log().Contains("site 2 exited with code 137; restarting it", StringComparison.Ordinal)), "the supervisor reporting site 2's death");
            await Until(async () => (await http.GetAsync(new Uri("http://127.0.0.1:8082/readyz"))).IsSuccessStatusCode, "site 2 ready again");

            await supervisor.TerminateAsync(SiloCluster.Deadline);
            Assert.Equal(0, supervisor.ExitCode);
            Assert.Contains("local cluster: every site stopped", supervisor.Log(), StringComparison.Ordinal);
            Assert.DoesNotContain(Process.GetProcesses(), p => CommandLine(p).Contains(data, StringComparison.Ordinal));
            passed = true;
        }
        finally
        {
            if (!passed)
            {
                output.WriteLine($"===== supervisor =====\n{supervisor.Log()}\ndata and site logs kept in {data}");
            }
            else
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    [LocalClusterFact]
    public async Task With_a_certificate_the_main_command_checks_its_sites_over_https_and_becomes_ready()
    {
        var data = Directory.CreateTempSubdirectory("orep-local-tls-").FullName;
        var pfx = Path.Combine(data, "cluster.pfx");
        using (var key = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=orep-local-cluster-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllBytesAsync(pfx, created.Export(X509ContentType.Pkcs12));
        }

        using var certificate = X509CertificateLoader.LoadPkcs12FromFile(pfx, null);
        using var supervisor = new SiloProcess(0, ["--data", data, "--shards", "2", "--certificate", pfx]);
        using var handler = new HttpClientHandler
        {
            // The cluster's own certificate, pinned: self-signed, naming no host.
            ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented is not null && presented.RawData.AsSpan().SequenceEqual(certificate.RawData),
        };
        using var https = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        var passed = false;
        try
        {
            // Before the probe knew HTTPS, each plain-HTTP wait ran out its 60 s ("did not answer") before the banner.
            await Until(() => Task.FromResult(supervisor.Log().Contains("Ctrl-C stops every site.", StringComparison.Ordinal)), "the banner");
            Assert.DoesNotContain("did not answer", supervisor.Log(), StringComparison.Ordinal);
            Assert.Contains("site 1: https://127.0.0.1:8081/api/status", supervisor.Log(), StringComparison.Ordinal);
            foreach (var site in new[] { 1, 2, 3 })
            {
                Assert.True((await https.GetAsync(new Uri($"https://127.0.0.1:{8080 + site}/readyz"))).IsSuccessStatusCode, $"site {site} is not ready over https after the banner");
            }

            // The rest of the endpoint is the admin's: the cluster secret the local cluster generated is the password.
            Assert.Equal(HttpStatusCode.Unauthorized, (await https.GetAsync(new Uri("https://127.0.0.1:8081/api/status"))).StatusCode);
            using var status = new HttpRequestMessage(HttpMethod.Get, new Uri("https://127.0.0.1:8081/api/status"));
            var secret = (await File.ReadAllTextAsync(Path.Combine(data, "cluster.secret"))).Trim();
            status.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{secret}")));
            Assert.Equal(HttpStatusCode.OK, (await https.SendAsync(status)).StatusCode);

            await supervisor.TerminateAsync(SiloCluster.Deadline);
            Assert.Equal(0, supervisor.ExitCode);
            Assert.DoesNotContain(Process.GetProcesses(), p => CommandLine(p).Contains(data, StringComparison.Ordinal));
            passed = true;
        }
        finally
        {
            if (!passed)
            {
                output.WriteLine($"===== supervisor =====\n{supervisor.Log()}\ndata and site logs kept in {data}");
            }
            else
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    private static string CommandLine(Process process)
    {
        try
        {
            return File.ReadAllText($"/proc/{process.Id}/cmdline");
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

    private static async Task Until(Func<Task<bool>> condition, string what)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < SiloCluster.Deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        Assert.Fail($"no {what} within {SiloCluster.Deadline}");
    }
}
