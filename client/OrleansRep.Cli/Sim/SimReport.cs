using System.Text.Json.Serialization;

namespace OrleansRep.Cli.Sim;

/// <summary>What <c>orep sim --json</c> prints: one object for the whole batch of seeds.</summary>
public sealed record SimReport(
    [property: JsonPropertyName("first_seed")] int FirstSeed,
    [property: JsonPropertyName("seeds")] int Seeds,
    [property: JsonPropertyName("failed")] int Failed,
    [property: JsonPropertyName("steps")] long Steps,
    [property: JsonPropertyName("simulated_seconds")] double SimulatedSeconds,
    [property: JsonPropertyName("wall_seconds")] double WallSeconds,
    [property: JsonPropertyName("steps_per_second")] double StepsPerSecond,
    [property: JsonPropertyName("faults")] IReadOnlyDictionary<string, long> Faults,
    [property: JsonPropertyName("not_converged")] int NotConverged,
    [property: JsonPropertyName("liveness_required")] bool LivenessRequired,
    [property: JsonPropertyName("failures")] IReadOnlyList<SimFailure> Failures,
    [property: JsonPropertyName("trace_hash")] string? TraceHash);

/// <summary>One failed seed and how to replay it.</summary>
public sealed record SimFailure(
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("step")] long Step,
    [property: JsonPropertyName("failure")] string Failure,
    [property: JsonPropertyName("replay")] string Replay);

[JsonSerializable(typeof(SimReport))]
internal sealed partial class SimJsonContext : JsonSerializerContext;
