using OrleansRep.Replication;
using OrleansRep.Replication.Inputs;
using OrleansRep.Simulation.Cluster;
using OrleansRep.Simulation.Invariants;

namespace OrleansRep.Simulation.Runs;

/// <summary>
/// One seeded simulation run (TigerBeetle's VOPR, FoundationDB's simulation): the seed decides the cluster's shape,
/// the workload and the faults, each from its own random stream; the run injects faults for
/// <see cref="SimulatorOptions.Steps"/> site steps while proposing transactions on the master, checking every
/// invariant after every step; then it stops faults, heals, restarts crashed sites and runs a quiet period, and checks
/// that the group converged. Same options, same run: byte for byte (see <see cref="TraceHasher"/>).
/// </summary>
public static class Simulator
{
    /// <summary>Bound on site steps per simulated second of the quiet period (ticks are a few hundred).</summary>
    public const long MaxQuietStepsPerSecond = 100_000;

    /// <summary>The invariant checkers every run uses.</summary>
    public static IReadOnlyList<IInvariantChecker> StandardCheckers() =>
    [
        new SingleMasterPerGenerationChecker(),
        new SingleLeaseHolderChecker(),
        new AcknowledgedWritesChecker(),
        new LogAgreementChecker(),
        new EventSequenceChecker(),
        new TokenJudgementChecker(),
    ];

    /// <summary>The <c>orep sim</c> command line that reproduces a run of <paramref name="options"/> exactly.</summary>
    public static string ReplayCommand(SimulatorOptions options, int sites)
    {
        ArgumentNullException.ThrowIfNull(options);
        var command = $"orep sim --seed {options.Seed} --sites {sites} --steps {options.Steps}";
        if (options.QuietPeriod != new SimulatorOptions().QuietPeriod)
        {
            command += $" --quiet {SimTime.FormatDuration(options.QuietPeriod)}";
        }

        if (!options.RequireLiveness)
        {
            command += " --safety-only";
        }

        return command;
    }

    public static SimulationResult Run(SimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var shape = ClusterShape.From(options.Seed, options.Sites);
        var cluster = new SimCluster(shape.Sites, SeedStreams.For(options.Seed, RandomConcern.Network), shape.Network) { FileBytes = shape.FileBytes };
        foreach (var checker in StandardCheckers())
        {
            cluster.AddChecker(checker);
        }

        if (options.ExtraChecker is { } extra)
        {
            cluster.AddChecker(extra());
        }

        using var trace = new TraceHasher(cluster);
        if (options.TraceLine is { } print)
        {
            cluster.Stepped += step =>
            {
                foreach (var line in Scenarios.TraceFormatter.Lines(step))
                {
                    print($"{SimTime.Format(step.Time)} #{step.Index} {line}");
                }
            };
            cluster.Noted += (time, text) => print($"{SimTime.Format(time)} {text}");
        }

        var workload = new Workload(cluster, SeedStreams.For(options.Seed, RandomConcern.Workload));
        var faults = new FaultInjector(cluster, SeedStreams.For(options.Seed, RandomConcern.Faults));
        string? failure = null;
        long failureStep = 0;
        IReadOnlyList<string> notConverged = [];
        try
        {
            StartSites(cluster, shape);
            workload.Start();
            faults.Start();
            while (cluster.Steps < options.Steps && cluster.RunNext(long.MaxValue))
            {
            }

            faults.Settle();
            // Probes during the first half of the quiet period; the second half lets the last one arrive everywhere.
            var quietEnd = cluster.Now + options.QuietPeriod;
            workload.Settle(probeUntil: cluster.Now + (options.QuietPeriod / 2));
            // A protocol that never quiets down (a message storm) must end the run, not hang it.
            var stepLimit = cluster.Steps + (MaxQuietStepsPerSecond * Math.Max(1, options.QuietPeriod / SimTime.Second));
            while (cluster.RunNext(quietEnd))
            {
                if (cluster.Steps > stepLimit)
                {
                    throw new InvariantViolationException("quiet period", cluster.Steps, cluster.Now,
                        $"more than {MaxQuietStepsPerSecond} steps per simulated second after faults stopped (a message storm?)");
                }
            }
            notConverged = ConvergenceCheck.Problems(cluster.Views);
            options.TraceLine?.Invoke($"{SimTime.Format(cluster.Now)} end: {(notConverged.Count == 0 ? "converged" : string.Join("; ", notConverged))}");
            if (options.RequireLiveness && notConverged.Count > 0)
            {
                failure = $"liveness: not converged {SimTime.Format(options.QuietPeriod)} after faults stopped: {string.Join("; ", notConverged)}";
            }
        }
        catch (InvariantViolationException e)
        {
            failure = e.Message;
            failureStep = e.Step;
        }
#pragma warning disable CA1031 // A protocol bug that throws out of a site is a finding of the run, reported with its seed.
        catch (Exception e)
#pragma warning restore CA1031
        {
            failure = $"exception at step {cluster.Steps} ({SimTime.Format(cluster.Now)}): {e.GetType().Name}: {e.Message}";
            failureStep = cluster.Steps;
        }

        return new SimulationResult
        {
            Seed = options.Seed,
            Sites = shape.Sites.Count,
            Steps = cluster.Steps,
            SimulatedMicros = cluster.Now,
            Shape = shape.Describe(),
            Faults = cluster.Faults,
            TraceHash = trace.Finish(),
            Proposed = workload.Proposed,
            Committed = workload.Committed,
            MessagesDelivered = cluster.Network.Delivered,
            Failure = failure,
            FailureStep = failureStep,
            NotConverged = notConverged,
            Replay = ReplayCommand(options, shape.Sites.Count),
        };
    }

    private static void StartSites(SimCluster cluster, ClusterShape shape)
    {
        foreach (var site in shape.Sites)
        {
            var role = shape.Start switch
            {
                StartMode.OneMaster when site.Id == shape.FirstMaster => RepStartRole.Master,
                StartMode.OneMaster => RepStartRole.Client,
                _ => RepStartRole.Election,
            };
            cluster.Start(site.Id, role);
        }
    }
}
