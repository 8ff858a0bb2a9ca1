using System.Text.Json;
using OrleansRep.Cli.Tests.Support;

namespace OrleansRep.Cli.Tests;

/// <summary><c>orep bench runtime</c>, run as a process at the quick sizes: the JSON shape and sane numbers (no speed bars).</summary>
public sealed class BenchRuntimeCommandTests
{
    [Fact]
    public async Task Quick_json_reports_the_call_phases_and_the_cross_silo_stream_phase_with_positive_numbers()
    {
        using var orep = new ProcessFixture();
        var run = await orep.RunAsync("bench", "runtime", "--quick", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        using var json = JsonDocument.Parse(lines[0]);
        var phases = json.RootElement.GetProperty("phases").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.Equal(["call_1c", "call_1c_mem", "call_64c", "call_64c_mem", "stream_100b"], phases.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(5_000, phases["call_1c"].GetProperty("ops").GetInt64());
        Assert.Equal(64_000, phases["call_64c"].GetProperty("ops").GetInt64());
        Assert.Equal(64_000, phases["call_64c_mem"].GetProperty("ops").GetInt64());
        Assert.Equal(50_000, phases["stream_100b"].GetProperty("ops").GetInt64());
        foreach (var phase in phases.Values)
        {
            Assert.True(phase.GetProperty("seconds").GetDouble() > 0, phase.ToString());
            Assert.True(phase.GetProperty("ops_per_sec").GetDouble() > 0, phase.ToString());
            Assert.True(phase.GetProperty("p50_us").GetDouble() >= 0, phase.ToString());
            Assert.True(phase.GetProperty("p99_us").GetDouble() >= phase.GetProperty("p50_us").GetDouble(), phase.ToString());
        }

        // A network round trip takes at least a microsecond, so call latencies cannot round to zero.
        Assert.True(phases["call_1c"].GetProperty("p50_us").GetDouble() > 0, run.ToString());
        Assert.True(phases["call_64c"].GetProperty("p99_us").GetDouble() > 0, run.ToString());
        Assert.True(phases["stream_100b"].GetProperty("mb_per_sec").GetDouble() > 0, run.ToString());
        Assert.False(phases["call_1c"].TryGetProperty("mb_per_sec", out _), "only record phases carry mb_per_sec");
        Assert.True(json.RootElement.GetProperty("peak_rss_mb").GetDouble() > 0);

        // Progress goes to stderr: the machine, the targets, and the stream verdict.
        Assert.Contains("(nproc)", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("targets: call_64c >= 300,000 calls/s", run.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"stream_100b [\d,]+ records/s, [\d.]+ MB/s: target (met|missed)", run.Stderr);
    }

    [Fact]
    public async Task Text_output_names_every_phase_and_the_target_verdicts()
    {
        using var orep = new ProcessFixture();
        var run = await orep.RunAsync("bench", "runtime", "--quick");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"(?m)^call_1c\s+5000 ops", run.Stdout);
        Assert.Matches(@"(?m)^call_64c\s+64000 ops", run.Stdout);
        Assert.Matches(@"(?m)^call_64c_mem\s+64000 ops", run.Stdout);
        Assert.Matches(@"(?m)^stream_100b\s+50000 ops .* MB/s$", run.Stdout);
        Assert.Matches(@"call_64c [\d,]+ calls/s: target (met|missed); call_1c p50 [\d.]+ us: target (met|missed)", run.Stdout);
        Assert.Contains("peak resident memory", run.Stdout, StringComparison.Ordinal);
    }
}
