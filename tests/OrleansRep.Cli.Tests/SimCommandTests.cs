using System.Text.Json;
using System.Text.RegularExpressions;
using OrleansRep.Cli.Tests.Support;

namespace OrleansRep.Cli.Tests;

/// <summary><c>orep sim</c>, run as a process: summary, JSON, replay lines and exit codes.</summary>
public sealed partial class SimCommandTests
{
    [Fact]
    public async Task Json_reports_the_seeds_steps_and_faults_of_a_batch()
    {
        using var orep = new ProcessFixture();
        var run = await orep.RunAsync("sim", "--seed", "3", "--seeds", "3", "--steps", "400", "--quiet", "1s", "--safety-only", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        Assert.Equal(3, root.GetProperty("first_seed").GetInt32());
        Assert.Equal(3, root.GetProperty("seeds").GetInt32());
        Assert.Equal(0, root.GetProperty("failed").GetInt32());
        Assert.True(root.GetProperty("steps").GetInt64() > 1200);
        Assert.True(root.GetProperty("simulated_seconds").GetDouble() > 3);
        Assert.True(root.GetProperty("steps_per_second").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Object, root.GetProperty("faults").ValueKind);
        Assert.Empty(root.GetProperty("failures").EnumerateArray());
    }

    [Fact]
    public async Task The_same_seed_prints_the_same_trace_hash()
    {
        using var orep = new ProcessFixture();
        var first = await orep.RunAsync("sim", "--seed", "42", "--steps", "500", "--quiet", "1s");
        var second = await orep.RunAsync("sim", "--seed", "42", "--steps", "500", "--quiet", "1s");

        Assert.True(first.ExitCode == 0, first.ToString());
        var hash = TraceLine().Match(first.Stdout);
        Assert.True(hash.Success, first.Stdout);
        Assert.Equal(hash.Value, TraceLine().Match(second.Stdout).Value);
        Assert.Contains("seeds 42..42: 1 passed, 0 failed", first.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_seed_gets_one_line_with_its_replay_command_and_a_failure_exit_code()
    {
        // No quiet period at all: the last writes are still on the wire when convergence is checked, so requiring
        // liveness fails every seed, whatever the protocol does.
        using var orep = new ProcessFixture();
        var run = await orep.RunAsync("sim", "--seed", "8", "--seeds", "2", "--steps", "200", "--quiet", "0ms");

        Assert.True(run.ExitCode == 1, run.ToString());
        var failures = run.Stdout.Split('\n').Where(l => l.StartsWith("FAIL ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, failures.Count);
        Assert.Matches(@"^FAIL seed 8: liveness: .* \| replay: orep sim --seed 8 --sites \d --steps 200 --quiet 0us$", failures[0]);
        Assert.Contains("seeds 8..9: 0 passed, 2 failed", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trace_prints_the_run_step_by_step_before_the_summary()
    {
        using var orep = new ProcessFixture();
        var run = await orep.RunAsync("sim", "--seed", "2", "--steps", "100", "--quiet", "100ms", "--trace");

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Stdout.Split('\n');
        Assert.Matches(@"^0\.000000s #2 site1 command start (master|client|election)$", lines[0]);
        Assert.Contains(lines, l => l.Contains(" settle: faults stopped, network healed, every site up", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("seeds 2..2: 1 passed", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--seeds", "0")]
    [InlineData("--quiet", "soon")]
    [InlineData("--sites", "65")]
    [InlineData("--trace", "--json")]
    public async Task Bad_arguments_are_usage_errors(string option, string value)
    {
        using var orep = new ProcessFixture();
        var run = await orep.RunAsync("sim", option, value);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith("orep: error: ", run.Stderr, StringComparison.Ordinal);
    }

    [GeneratedRegex("trace [0-9a-f]{64}")]
    private static partial Regex TraceLine();
}
