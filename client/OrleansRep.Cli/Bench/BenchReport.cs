using System.Text.Json.Serialization;

namespace OrleansRep.Cli.Bench;

/// <summary>What <c>orep bench ... --json</c> prints, on one line.</summary>
public sealed record BenchReport(
    [property: JsonPropertyName("phases")] IReadOnlyList<BenchPhase> Phases,
    [property: JsonPropertyName("peak_rss_mb")] double PeakRssMb);

[JsonSerializable(typeof(BenchReport))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
