using System.Text.Json;
using OrleansRep.Cli.Tests.Support;

namespace OrleansRep.Cli.Tests;

/// <summary>
/// <c>orep bench catchup</c> as a process starting its own three silo processes: a client site killed while the
/// master writes comes back caught up (from the master's log, or by internal init once the master archived that log),
/// and every sampled value read from it alone is right. By default 16 MB (each run about a minute on a loaded 2-core
/// machine); <c>OREP_LONG=1</c> runs <c>--quick</c> (64 MB) instead. No speed bars: benchmarks are not tests. In the
/// bench collection: each run takes three silos.
/// </summary>
[Collection(nameof(BenchClusterCommandTests))]
public sealed class BenchCatchupCommandTests
{
    private static readonly TimeSpan RunDeadline = TimeSpan.FromMinutes(6);

    [Theory]
    [InlineData("log", false)]
    [InlineData("init", true)]
    public async Task The_killed_site_catches_up_and_serves_the_values_written_while_it_was_down(string mode, bool byInit)
    {
        using var orep = new ProcessFixture();
        string[] size = TestSeed.LongMode ? ["--quick"] : ["--mb", "16"];
        var run = await BenchRun.RunAsync(orep, ["bench", "catchup", "--mode", mode, "--json", .. size], RunDeadline);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        using var json = JsonDocument.Parse(lines[0]);
        var root = json.RootElement;
        Assert.Equal(mode, root.GetProperty("mode").GetString());
        Assert.Equal(TestSeed.LongMode ? 64 : 16, root.GetProperty("payload_mb").GetDouble());
        // 64 KiB values: 16 per MB.
        Assert.Equal((long)root.GetProperty("payload_mb").GetDouble() * 16, root.GetProperty("keys").GetInt64());
        Assert.True(root.GetProperty("caught_up").GetBoolean(), run.ToString());
        Assert.Equal(256, root.GetProperty("sampled").GetInt32());
        Assert.Equal(0, root.GetProperty("wrong_values").GetInt32());
        Assert.Equal(byInit, root.GetProperty("internal_init").GetBoolean());
        Assert.True(root.GetProperty("seconds").GetDouble() >= root.GetProperty("seconds_from_up").GetDouble(), run.ToString());
        Assert.True(root.GetProperty("mb_per_s").GetDouble() > 0, run.ToString());
        Assert.InRange(root.GetProperty("site").GetInt32(), 1, 3);
        if (!byInit)
        {
            // From the log: at least the payload went through the caught-up site's log.
            Assert.True(root.GetProperty("log_bytes").GetInt64() >= (long)root.GetProperty("payload_mb").GetDouble() << 20, run.ToString());
        }

        Assert.Matches(@"(?m)^read back 256 sampled keys from site [123]: 0 wrong or missing$", run.Stderr);
    }

    [Theory]
    [InlineData("--mb", "0")]
    [InlineData("--mode", "snapshot")]
    public async Task Bad_arguments_are_usage_errors_before_any_silo_starts(params string[] arguments)
    {
        using var orep = new ProcessFixture();
        var run = await orep.RunAsync(["bench", "catchup", .. arguments]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith("orep: ", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("starting 3 silo processes", run.Stdout + run.Stderr, StringComparison.Ordinal);
    }
}
