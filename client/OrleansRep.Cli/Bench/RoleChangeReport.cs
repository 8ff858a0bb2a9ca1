using System.Text.Json.Serialization;

namespace OrleansRep.Cli.Bench;

/// <summary>What <c>orep bench promote --json</c> prints, on one line: per kind of role change (fast promotion,
/// checkpoint-first promotion, handover), the unavailability the sites reported and the gap the writers saw (from the
/// call to the first write acknowledged by the new master), in milliseconds, and the attempts refused (tried again);
/// and the acknowledged writes lost.</summary>
public sealed record RoleChangeReport(
    [property: JsonPropertyName("rounds")] int Rounds,
    [property: JsonPropertyName("kinds")] IReadOnlyList<RoleChangeKindReport> Kinds,
    [property: JsonPropertyName("acked_writes")] long AckedWrites,
    [property: JsonPropertyName("lost_acked_writes")] long LostAckedWrites,
    [property: JsonPropertyName("perm_failed")] long PermFailed,
    [property: JsonPropertyName("errors")] long Errors);

/// <summary>One kind of role change over the rounds.</summary>
public sealed record RoleChangeKindReport(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("reported_median_ms")] double ReportedMedianMs,
    [property: JsonPropertyName("reported_max_ms")] double ReportedMaxMs,
    [property: JsonPropertyName("writers_median_ms")] double WritersMedianMs,
    [property: JsonPropertyName("writers_max_ms")] double WritersMaxMs,
    [property: JsonPropertyName("reported_ms")] IReadOnlyList<double> ReportedMs,
    [property: JsonPropertyName("writers_ms")] IReadOnlyList<double> WritersMs,
    [property: JsonPropertyName("refused")] int Refused);

[JsonSerializable(typeof(RoleChangeReport))]
internal sealed partial class RoleChangeJsonContext : JsonSerializerContext;
