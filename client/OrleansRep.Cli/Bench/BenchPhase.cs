using System.Text.Json.Serialization;

namespace OrleansRep.Cli.Bench;

/// <summary>One measured phase, in the JSON shape every <c>orep bench</c> prints.</summary>
public sealed record BenchPhase(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("ops")] long Ops,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("ops_per_sec")] double OpsPerSec,
    [property: JsonPropertyName("p50_us")] double P50Us,
    [property: JsonPropertyName("p99_us")] double P99Us)
{
    /// <summary>Managed bytes allocated per operation (all threads), a measure of garbage-collector pressure.</summary>
    [JsonPropertyName("alloc_bytes_per_op")]
    public double AllocBytesPerOp { get; init; }

    /// <summary>Garbage collections during the phase (gen0 counts every collection, gen2 only full ones).</summary>
    [JsonPropertyName("gc_gen0")]
    public int GcGen0 { get; init; }

    [JsonPropertyName("gc_gen2")]
    public int GcGen2 { get; init; }

    /// <summary>Milliseconds the garbage collector paused the process during the phase.</summary>
    [JsonPropertyName("gc_pause_ms")]
    public double GcPauseMs { get; init; }

    /// <summary>Payload megabytes (10^6 bytes) per second, for phases that move records; absent for the others.</summary>
    [JsonPropertyName("mb_per_sec")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? MbPerSec { get; init; }

    /// <summary>The 99.9th percentile latency in microseconds, for phases that measure it (the cluster phases); absent for the others.</summary>
    [JsonPropertyName("p999_us")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? P999Us { get; init; }

    /// <summary>Writes committed on the master whose ack policy was not met in time (PERM_FAILED); not counted in
    /// <see cref="Ops"/>. Absent for phases without replicated writes.</summary>
    [JsonPropertyName("perm_failed")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? PermFailed { get; init; }

    /// <summary>Operations that failed otherwise (and, for reads of written keys, found nothing); not counted in
    /// <see cref="Ops"/>. Absent for phases that cannot fail this way.</summary>
    [JsonPropertyName("errors")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Errors { get; init; }
}
