using System.Globalization;
using OrleansRep.Simulation.Cluster;
using OrleansRep.Simulation.Invariants;
using OrleansRep.Simulation.Runs;
using OrleansRep.Simulation.Sites;
using Xunit.Abstractions;

namespace OrleansRep.Simulation.Tests.Runs;

public sealed class SimulatorTests(ITestOutputHelper output)
{
    /// <summary>Seeds per CI run; <c>OREP_SIM_SEEDS</c> overrides, and <c>OREP_LONG=1</c> runs <see cref="LongSeeds"/>.</summary>
    private const int DefaultSeeds = 2000;

    private const int LongSeeds = 100_000;

    /// <summary>Seeds per CI run of the liveness test (full quiet period); <c>OREP_SIM_LIVE_SEEDS</c> overrides.</summary>
    private const int DefaultLiveSeeds = 1000;

    /// <summary>Short runs so that the CI seeds stay well under two minutes on two loaded cores.</summary>
    /// <summary>A short run, safety only: 2 s of quiet is too short for every group to settle.</summary>
    private static SimulatorOptions Short(int seed) => new() { Seed = seed, Steps = 1_000, QuietPeriod = SimTime.Seconds(2), RequireLiveness = false };

    [Fact]
    public void The_same_seed_gives_a_byte_identical_trace()
    {
        var first = Simulator.Run(Short(123) with { Steps = 4_000 });
        var second = Simulator.Run(Short(123) with { Steps = 4_000 });

        Assert.Equal(first.TraceHash, second.TraceHash);
        Assert.Equal(first.Steps, second.Steps);
        Assert.Equal(first.SimulatedMicros, second.SimulatedMicros);
        Assert.Equal(first.Faults.NonZero(), second.Faults.NonZero());
        Assert.True(first.Faults.Total > 0, "faults were injected");
    }

    [Fact]
    public void Different_seeds_give_different_traces()
    {
        var hashes = Enumerable.Range(1, 10).Select(seed => Simulator.Run(Short(seed)).TraceHash).ToList();
        Assert.Equal(10, hashes.Distinct().Count());
    }

    [Fact]
    public void A_run_stops_injecting_after_its_steps_and_settles_for_the_quiet_period()
    {
        var result = Simulator.Run(Short(5) with { Steps = 2_000, QuietPeriod = SimTime.Seconds(3) });

        Assert.True(result.Passed, result.Failure);
        Assert.True(result.Steps > 2_000);
        Assert.Equal("orep sim --seed 5 --sites " + result.Sites.ToString(CultureInfo.InvariantCulture) + " --steps 2000 --quiet 3s --safety-only", result.Replay);
    }

    [Fact]
    public void A_violation_reports_its_seed_step_and_replay_command_and_replays_identically()
    {
        var options = Short(77) with { ExtraChecker = () => new FailsAtStep(250) };

        var first = Simulator.Run(options);
        var again = Simulator.Run(options);

        Assert.False(first.Passed);
        Assert.Equal(250, first.FailureStep);
        Assert.StartsWith("planted violated at step 250 (", first.Failure, StringComparison.Ordinal);
        Assert.StartsWith("orep sim --seed 77 --sites ", first.Replay, StringComparison.Ordinal);
        Assert.Equal(first.TraceHash, again.TraceHash);
        Assert.Equal(first.Failure, again.Failure);
    }

    [Fact]
    public void A_group_that_has_not_converged_fails_the_run_only_when_liveness_is_required()
    {
        // No quiet period: the last writes are still on the wire when convergence is checked.
        var relaxed = Simulator.Run(Short(42) with { QuietPeriod = 0 });
        var strict = Simulator.Run(Short(42) with { QuietPeriod = 0, RequireLiveness = true });

        Assert.True(relaxed.Passed, relaxed.Failure);
        Assert.NotEmpty(relaxed.NotConverged);
        Assert.False(strict.Passed);
        Assert.StartsWith("liveness: not converged", strict.Failure, StringComparison.Ordinal);
        Assert.EndsWith(" --quiet 0us", strict.Replay, StringComparison.Ordinal);
        Assert.EndsWith(" --quiet 0us --safety-only", relaxed.Replay, StringComparison.Ordinal);
        Assert.Equal(relaxed.TraceHash, strict.TraceHash);
    }

    [Fact]
    public void The_readable_trace_shows_the_run_without_changing_it()
    {
        var lines = new List<string>();
        var traced = Simulator.Run(Short(31) with { TraceLine = lines.Add });
        var plain = Simulator.Run(Short(31));

        Assert.Equal(plain.TraceHash, traced.TraceHash);
        Assert.Contains(lines, l => l.EndsWith(" command start election", StringComparison.Ordinal) || l.EndsWith(" command start master", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(" settle: faults stopped, network healed, every site up", StringComparison.Ordinal));
        Assert.StartsWith($"{SimTime.Format(traced.SimulatedMicros)} end: ", lines[^1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5_000_000, "5s")]
    [InlineData(250_000, "250ms")]
    [InlineData(1_234, "1234us")]
    [InlineData(0, "0us")]
    public void Durations_print_in_the_shortest_form_that_reads_back(long micros, string text)
    {
        Assert.Equal(text, SimTime.FormatDuration(micros));
        Assert.True(SimTime.TryParse(text, out var back));
        Assert.Equal(micros, back);
    }

    [Fact]
    public void Many_seeds_pass_every_invariant()
    {
        var seeds = int.TryParse(Environment.GetEnvironmentVariable("OREP_SIM_SEEDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : Environment.GetEnvironmentVariable("OREP_LONG") == "1" ? LongSeeds : DefaultSeeds;
        var failures = new List<string>();
        long steps = 0;
        var faults = new FaultCounter();
        for (var seed = 1; seed <= seeds; seed++)
        {
            var result = Simulator.Run(Short(seed));
            steps += result.Steps;
            faults.AddAll(result.Faults);
            if (!result.Passed)
            {
                failures.Add($"seed {seed}: {result.Failure} | replay: {result.Replay}");
            }
        }

        output.WriteLine($"{seeds} seeds, {steps} steps, faults: {string.Join(", ", faults.NonZero().Select(f => $"{f.Key} {f.Value}"))}");
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(20)));
    }

    [Fact]
    public void Many_seeds_converge_after_faults_stop()
    {
        // Liveness: seeds with a short fault phase and the full quiet period must end with one master and every site
        // holding its log. OREP_SIM_LIVE_SEEDS overrides the count; orep sim --seeds 10000 is the full check.
        var seeds = int.TryParse(Environment.GetEnvironmentVariable("OREP_SIM_LIVE_SEEDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : Environment.GetEnvironmentVariable("OREP_LONG") == "1" ? 5_000 : DefaultLiveSeeds;
        var failures = new List<string>();
        for (var seed = 1; seed <= seeds; seed++)
        {
            var result = Simulator.Run(new SimulatorOptions { Seed = seed, Steps = 2_000 });
            if (!result.Passed)
            {
                failures.Add($"seed {seed}: {result.Failure} | replay: {result.Replay}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(20)));
    }

    private sealed class FailsAtStep(long step) : IInvariantChecker
    {
        public string Name => "planted";

        public void Check(StepRecord record, IReadOnlyList<ISiteView> sites)
        {
            if (record.Index == step)
            {
                throw new InvariantViolationException(Name, record.Index, record.Time, "planted failure");
            }
        }
    }
}
