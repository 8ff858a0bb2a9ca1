using System.Text.Json.Serialization;

namespace OrleansRep.Cli.Bench;

/// <summary>One measured phase, in the JSON shape every <c>orep bench</c> prints.</summary>
public sealed record BenchPhase(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("ops")] long Ops,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("ops_per_sec")] double OpsPerSec,
    [property: JsonPropertyName("p50_us")] double P50Us,
    [property: JsonPropertyName("p99_us")] double P99Us);
