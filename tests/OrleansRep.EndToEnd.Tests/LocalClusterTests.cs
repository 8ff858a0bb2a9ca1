using System.Diagnostics;
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
