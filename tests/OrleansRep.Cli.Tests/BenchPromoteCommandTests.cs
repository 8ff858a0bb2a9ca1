using System.Text.Json;
using OrleansRep.Cli.Tests.Support;

namespace OrleansRep.Cli.Tests;

/// <summary>
/// <c>orep bench promote --quick</c> as a process starting its own three silo processes: under continuous writes,
/// shard 0's mastership moves by fast promotion, checkpoint-first promotion and handover (2 rounds each), every kind
/// is measured, and no acknowledged write is lost. No speed bars: benchmarks are not tests. In the bench collection:
/// each run takes three silos.
/// </summary>
[Collection(nameof(BenchClusterCommandTests))]
public sealed class BenchPromoteCommandTests
{
    private static readonly TimeSpan RunDeadline = TimeSpan.FromMinutes(6);

    [Fact]
    public async Task Every_kind_of_role_change_is_measured_and_no_acknowledged_write_is_lost()
    {
        using var orep = new ProcessFixture();
        var run = await BenchRun.RunAsync(orep, ["bench", "promote", "--quick", "--json"], RunDeadline);
        var stdout = run.Stdout;
        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        var root = json.RootElement;
        Assert.Equal(2, root.GetProperty("rounds").GetInt32());
        Assert.Equal(["fast", "checkpoint-first", "handover"], root.GetProperty("kinds").EnumerateArray().Select(k => k.GetProperty("kind").GetString()));
        Assert.All(root.GetProperty("kinds").EnumerateArray(), k =>
        {
            Assert.Equal(2, k.GetProperty("reported_ms").GetArrayLength());
            Assert.Equal(2, k.GetProperty("writers_ms").GetArrayLength());
            Assert.True(k.GetProperty("writers_max_ms").GetDouble() > 0, run.ToString());
            Assert.True(k.GetProperty("refused").GetInt32() >= 0, run.ToString()); // a refusal is tried again, its reason in stderr
        });
        Assert.True(root.GetProperty("acked_writes").GetInt64() > 0, run.ToString());
        Assert.Equal(0, root.GetProperty("lost_acked_writes").GetInt64());
        Assert.Matches(@"(?m)^round 2: handover site [123] -> [123]: reported", run.Stderr);
    }
}
