using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrleansRep.Cli.Tests.Support;

namespace OrleansRep.Cli.Tests;

/// <summary>
/// <c>orep bench cluster</c> and <c>orep bench failover</c> as processes, each starting its own three silo processes:
/// the JSON shapes, sane counts (no speed bars: benchmarks are not tests), no acknowledged write lost, and that the
/// silo processes and their temporary directory are gone afterwards, also after Ctrl-C. One collection: each run
/// takes three silos, and the machine has two cores.
/// </summary>
[Collection(nameof(BenchClusterCommandTests))]
public sealed class BenchClusterCommandTests
{
    /// <summary>Three silos starting and the phases or trials running beside other test assemblies on 2 cores.</summary>
    private static readonly TimeSpan RunDeadline = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Cluster_quick_json_reports_the_four_phases_with_operations_and_cleans_up()
    {
        using var orep = new ProcessFixture();
        var run = await RunAsync(orep, "bench", "cluster", "--quick", "--json", "--duration", "1");

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        using var json = JsonDocument.Parse(lines[0]);
        var phases = json.RootElement.GetProperty("phases").EnumerateArray().ToList();
        Assert.Equal(["quorum_commit_1c", "quorum_commit_64c", "read_master_64c", "read_any_64c"], phases.Select(p => p.GetProperty("name").GetString()));
        foreach (var phase in phases)
        {
            Assert.True(phase.GetProperty("ops").GetInt64() > 0, phase.ToString());
            Assert.True(phase.GetProperty("ops_per_sec").GetDouble() > 0, phase.ToString());
            // Measured for one second at least (the phase runs its callers until then).
            Assert.True(phase.GetProperty("seconds").GetDouble() >= 1, phase.ToString());
            var (p50, p99, p999) = (phase.GetProperty("p50_us").GetDouble(), phase.GetProperty("p99_us").GetDouble(), phase.GetProperty("p999_us").GetDouble());
            Assert.True(p50 > 0 && p50 <= p99 && p99 <= p999, phase.ToString());
            Assert.Equal(0, phase.GetProperty("errors").GetInt64());
            Assert.True(phase.GetProperty("perm_failed").GetInt64() >= 0, phase.ToString());
        }

        AssertCleanedUp(DataDirectoryIn(run.Stderr), run);
    }

    [Fact]
    public async Task Failover_two_trials_gives_two_samples_and_loses_no_acknowledged_write()
    {
        using var orep = new ProcessFixture();
        var run = await RunAsync(orep, "bench", "failover", "--trials", "2", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        using var json = JsonDocument.Parse(lines[0]);
        var root = json.RootElement;
        Assert.Equal(2, root.GetProperty("trials").GetInt32());
        Assert.Equal("9", root.GetProperty("kill").GetString());
        var samples = root.GetProperty("samples_ms").EnumerateArray().Select(s => s.GetDouble()).ToList();
        Assert.Equal(2, samples.Count);
        Assert.All(samples, s => Assert.True(s > 0, run.ToString()));
        Assert.Equal(samples.Max(), root.GetProperty("max_ms").GetDouble());
        Assert.Equal(Math.Round(samples.Average(), 1), root.GetProperty("median_ms").GetDouble());
        Assert.Equal(0, root.GetProperty("lost_acked_writes").GetInt64());
        Assert.True(root.GetProperty("acked_writes").GetInt64() > 0, run.ToString());
        Assert.Matches(@"(?m)^trial 1: site [123] \(master of shard 0, gen \d+\) kill -9: site [123] acknowledged a write after [\d.]+ ms", run.Stderr);
        Assert.Matches(@"(?m)^trial 2: ", run.Stderr);

        AssertCleanedUp(DataDirectoryIn(run.Stderr), run);
    }

    [Fact]
    public async Task Failover_with_SIGSTOP_resumes_the_hung_master_which_exits_declared_dead_and_loses_nothing()
    {
        using var orep = new ProcessFixture();
        var run = await RunAsync(orep, "bench", "failover", "--trials", "1", "--kill", "stop", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(run.Stdout.Trim());
        Assert.Equal("stop", json.RootElement.GetProperty("kill").GetString());
        Assert.Single(json.RootElement.GetProperty("samples_ms").EnumerateArray());
        Assert.Equal(0, json.RootElement.GetProperty("lost_acked_writes").GetInt64());
        // Resumed only once the others declared it dead, the old master learns so and exits with code 3.
        Assert.Matches(@"(?m)^  site [123] resumed: exited with code 3$", run.Stderr);
        AssertCleanedUp(DataDirectoryIn(run.Stderr), run);
    }

    [Fact]
    public async Task Ctrl_C_during_a_phase_stops_every_silo_process_and_deletes_the_directory()
    {
        using var orep = new ProcessFixture();
        var process = orep.Start("bench", "cluster", "--duration", "120");
        using var deadline = new CancellationTokenSource(RunDeadline);
        string? directory = null;
        var seen = new List<string>();
        // The text output goes to stdout: the directory, then "cluster ready", then the first phase starts.
        while (await process.ReadLineAsync(deadline.Token) is { } line)
        {
            seen.Add(line);
            if (line.StartsWith("starting 3 silo processes", StringComparison.Ordinal))
            {
                directory = line[(line.LastIndexOf(" in ", StringComparison.Ordinal) + 4)..];
            }

            if (line.StartsWith("quorum_commit_1c:", StringComparison.Ordinal))
            {
                break;
            }
        }

        Assert.True(directory is not null && Directory.Exists(directory), string.Join('\n', seen) + process.Stderr);
        Assert.NotEmpty(SiloProcessesUsing(directory));
        using (var interrupt = Process.Start("kill", [InterruptSignal, process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync(deadline.Token);
        }

        string rest;
        try
        {
            rest = await process.Stdout.ReadToEndAsync(deadline.Token);
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            // Say what is still there: orep itself, its silos, and what it printed (CI saw this hang once in a while).
            var silos = SiloProcessesUsing(directory);
            Assert.Fail($"orep did not end within {RunDeadline} of kill {InterruptSignal}: orep exited {process.HasExited}; silo processes left: {string.Join(", ", silos.Select(Describe))}\nstdout:\n{string.Join('\n', seen)}\nstderr:\n{process.Stderr}");
            throw;
        }

        var result = new CliResult(process.CommandLine, process.ExitCode, string.Join('\n', seen) + "\n" + rest, process.Stderr);
        Assert.True(process.ExitCode != 0, result.ToString());
        AssertCleanedUp(directory, result);
    }

    [Theory]
    [InlineData("cluster", "--clients", "0")]
    [InlineData("cluster", "--duration", "0")]
    [InlineData("cluster", "--secret-file", "some.secret")]
    [InlineData("cluster", "--durability", "Most")]
    [InlineData("failover", "--trials", "0")]
    [InlineData("failover", "--kill", "7")]
    [InlineData("failover", "--cluster", "127.0.0.1:30001")]
    public async Task Bad_arguments_are_usage_errors_before_any_silo_starts(params string[] arguments)
    {
        using var orep = new ProcessFixture();
        var run = await orep.RunAsync(["bench", .. arguments]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith("orep: ", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("starting 3 silo processes", run.Stdout + run.Stderr, StringComparison.Ordinal);
    }

    private static async Task<CliResult> RunAsync(ProcessFixture orep, params string[] arguments)
    {
        var process = orep.Start(arguments);
        using var deadline = new CancellationTokenSource(RunDeadline);
        try
        {
            process.Stdin.Close();
            var stdout = await process.Stdout.ReadToEndAsync(deadline.Token);
            await process.WaitForExitAsync(deadline.Token);
            return new CliResult(process.CommandLine, process.ExitCode, stdout, process.Stderr);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            orep.Kill(process);
            throw new TimeoutException($"{process.CommandLine} did not finish within {RunDeadline.TotalMinutes} min; stderr:\n{process.Stderr}");
        }
    }

    private static string DataDirectoryIn(string progress) =>
        System.Text.RegularExpressions.Regex.Match(progress, @"(?m)^starting 3 silo processes \(\d+ shards\) in (?<dir>\S+)$") is { Success: true } m
            ? m.Groups["dir"].Value
            : throw new Xunit.Sdk.XunitException($"no 'starting 3 silo processes ... in DIR' line in:\n{progress}");

    /// <summary>The directory is deleted and no process names it on its command line (the silos get it as --data).</summary>
    private static void AssertCleanedUp(string directory, CliResult run)
    {
        Assert.False(Directory.Exists(directory), $"{directory} is still there\n{run}");
        Assert.True(SiloProcessesUsing(directory).Count == 0, $"silo processes still running with {directory}: {string.Join(", ", SiloProcessesUsing(directory))}\n{run}");
    }

    /// <summary>-INT, Ctrl-C; but a test run started in the background by a non-interactive shell ignores SIGINT, and
    /// so does the orep it starts (the runtime keeps an ignored SIGINT ignored, as nohup expects): then -TERM, what a
    /// service manager sends, which orep handles the same way.</summary>
    private static string InterruptSignal
    {
        get
        {
            var ignored = File.ReadLines("/proc/self/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))["SigIgn:".Length..].Trim();
            return (ulong.Parse(ignored, NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << (2 - 1))) != 0 ? "-TERM" : "-INT";
        }
    }

    // A process's state, as /proc/PID/stat gives it, and how many threads it has.
    private static string Describe(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return $"{pid} ({stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0]}, {Directory.GetDirectories($"/proc/{pid}/task").Length} threads)";
        }
        catch (IOException)
        {
            return $"{pid} (gone)";
        }
    }

    private static List<int> SiloProcessesUsing(string directory)
    {
        var found = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(entry, "cmdline")).Split('\0');
                if (commandLine.Any(a => a.EndsWith("OrleansRep.Silo.dll", StringComparison.Ordinal)) && commandLine.Contains(directory))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while it was looked at.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }
}
