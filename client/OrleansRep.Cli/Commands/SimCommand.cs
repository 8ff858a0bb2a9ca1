using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrleansRep.Cli.Sim;
using OrleansRep.Simulation;
using OrleansRep.Simulation.Runs;

namespace OrleansRep.Cli.Commands;

/// <summary>
/// <c>orep sim [--seeds N] [--seed S] [--sites K] [--steps M] [--quiet DURATION] [--safety-only] [--trace] [--json]</c>: runs the deterministic
/// simulator on seeds S .. S+N-1 (S random, and printed, when not given). Each failed seed gets one line with the
/// command that replays it; a summary follows (seeds, simulated time, steps, faults injected by kind, simulator
/// speed). Exits 1 when any seed failed.
/// </summary>
internal static class SimCommand
{
    public static Command Create()
    {
        var seeds = CommonOptions.AtLeast("--seeds", 1, "how many seeds to run", defaultValue: 1);
        var seed = new Option<int?>("--seed") { Description = "the first seed (random when not given)", HelpName = "S" };
        var sites = CommonOptions.AtLeast("--sites", 1, "number of sites (default: the seed picks 3-7)");
        var steps = CommonOptions.AtLeast("--steps", 1, "site steps with faults on, per seed", defaultValue: SimulatorOptions.DefaultSteps);
        var safetyOnly = new Option<bool>("--safety-only")
        {
            Description = "check the invariants only: a group that has not converged after the quiet period does not fail the seed",
        };
        var quiet = new Option<string>("--quiet")
        {
            Description = "simulated time after faults stop, for the group to converge (e.g. 30s, 500ms, 2000000us)",
            HelpName = "DURATION",
            DefaultValueFactory = _ => "30s",
        };
        var trace = new Option<bool>("--trace") { Description = "print the run's readable trace (every message received and action; one seed only)" };
        var json = new Option<bool>("--json") { Description = "print one JSON object instead of text" };
        var command = new Command("sim", "run the deterministic replication simulator on seeds; failures print a replay command")
        {
            seeds, seed, sites, steps, quiet, safetyOnly, trace, json,
        };
        command.SetAction(parse => Run(
            parse.GetValue(seeds),
            parse.GetValue(seed) ?? Random.Shared.Next(),
            parse.GetResult(sites) is { Tokens.Count: > 0 } ? parse.GetValue(sites) : null,
            parse.GetValue(steps),
            SimTime.TryParse(parse.GetValue(quiet) ?? "30s", out var q) ? q : throw new UsageException($"--quiet {parse.GetValue(quiet)} is not a duration such as 30s, 500ms or 2000000us"),
            !parse.GetValue(safetyOnly),
            parse.GetValue(trace),
            parse.GetValue(json)));
        return command;
    }

    private static int Run(int seeds, int firstSeed, int? sites, int steps, long quiet, bool liveness, bool trace, bool json)
    {
        if (trace && (seeds != 1 || json))
        {
            throw new UsageException("--trace prints one seed's run: use it with --seeds 1 and without --json");
        }

        if (sites is > 64)
        {
            throw new UsageException("--sites must be at most 64");
        }

        if ((long)firstSeed + seeds - 1 > int.MaxValue)
        {
            throw new UsageException($"--seed + --seeds - 1 must not exceed {int.MaxValue}");
        }

        var faults = new FaultCounter();
        var failures = new List<SimFailure>();
        long totalSteps = 0, simulated = 0;
        var notConverged = 0;
        string? lastHash = null;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < seeds; i++)
        {
            var result = Simulator.Run(new SimulatorOptions
            {
                Seed = firstSeed + i, Sites = sites, Steps = steps, QuietPeriod = quiet, RequireLiveness = liveness, TraceLine = trace ? Console.Out.WriteLine : null,
            });
            totalSteps += result.Steps;
            simulated += result.SimulatedMicros;
            faults.AddAll(result.Faults);
            lastHash = result.TraceHash;
            if (result.NotConverged.Count > 0)
            {
                notConverged++;
            }

            if (!result.Passed)
            {
                var failure = new SimFailure(result.Seed, result.FailureStep, result.Failure!, result.Replay);
                failures.Add(failure);
                if (!json)
                {
                    Console.Out.WriteLine($"FAIL seed {failure.Seed}: {failure.Failure} | replay: {failure.Replay}");
                }
            }
            else if (!json && seeds == 1)
            {
                Console.Out.WriteLine($"seed {result.Seed}: {result.Shape}; {result.Proposed} proposed, {result.Committed} committed, {result.MessagesDelivered} messages delivered");
            }
        }

        var wall = Math.Max(clock.Elapsed.TotalSeconds, 1e-6);
        var report = new SimReport(
            firstSeed,
            seeds,
            failures.Count,
            totalSteps,
            Math.Round(simulated / (double)SimTime.Second, 3),
            Math.Round(wall, 3),
            Math.Round(totalSteps / wall, 0),
            faults.NonZero().ToDictionary(k => k.Key.ToString(), k => k.Value),
            notConverged,
            liveness,
            failures,
            seeds == 1 ? lastHash : null);
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(report, SimJsonContext.Default.SimReport));
        }
        else
        {
            WriteSummary(report);
        }

        return failures.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static void WriteSummary(SimReport r)
    {
        var c = CultureInfo.InvariantCulture;
        var last = r.FirstSeed + r.Seeds - 1;
        Console.Out.WriteLine(string.Create(c, $"seeds {r.FirstSeed}..{last}: {r.Seeds - r.Failed} passed, {r.Failed} failed"));
        Console.Out.WriteLine(string.Create(c, $"simulated {r.SimulatedSeconds:0.###} s in {r.Steps} steps; {r.WallSeconds:0.###} s wall, {r.StepsPerSecond:0} steps/s"));
        Console.Out.WriteLine("faults: " + (r.Faults.Count == 0 ? "none" : string.Join(", ", r.Faults.Select(f => string.Create(c, $"{f.Key} {f.Value}")))));
        if (r.NotConverged > 0)
        {
            Console.Out.WriteLine(r.LivenessRequired
                ? string.Create(c, $"not converged after the quiet period: {r.NotConverged} seeds (failed)")
                : string.Create(c, $"not converged after the quiet period: {r.NotConverged} seeds (not a failure with --safety-only)"));
        }

        if (r.TraceHash is not null)
        {
            Console.Out.WriteLine($"trace {r.TraceHash}");
        }
    }
}
