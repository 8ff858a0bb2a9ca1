using System.Text.Json.Serialization;

namespace OrleansRep.Cli.Bench;

/// <summary>What <c>orep bench failover --json</c> prints, on one line. Times in milliseconds from the kill to the first
/// write to shard 0 acknowledged by another master.</summary>
public sealed record FailoverReport(
    [property: JsonPropertyName("trials")] int Trials,
    [property: JsonPropertyName("kill")] string Kill,
    [property: JsonPropertyName("median_ms")] double MedianMs,
    [property: JsonPropertyName("max_ms")] double MaxMs,
    [property: JsonPropertyName("samples_ms")] IReadOnlyList<double> SamplesMs,
    [property: JsonPropertyName("lost_acked_writes")] long LostAckedWrites)
{
    /// <summary>Writes acknowledged over the whole run (each read back at the end).</summary>
    [JsonPropertyName("acked_writes")]
    public long AckedWrites { get; init; }

    /// <summary>Writes answered PERM_FAILED (committed on a master, too few acks in time); not counted as acknowledged.</summary>
    [JsonPropertyName("perm_failed")]
    public long PermFailed { get; init; }

    /// <summary>Writes that failed otherwise (no master within the client's retry deadline, timeouts).</summary>
    [JsonPropertyName("errors")]
    public long Errors { get; init; }

    /// <summary>Median milliseconds from the signal to each phase of the failover (see <see cref="FailoverTimeline"/>):
    /// noticed, elected, master, peer_startup, acked; a phase no trial saw is absent.</summary>
    [JsonPropertyName("phase_medians_ms")]
    public IReadOnlyDictionary<string, double> PhaseMediansMs { get; init; } = new Dictionary<string, double>();
}

[JsonSerializable(typeof(FailoverReport))]
internal sealed partial class FailoverJsonContext : JsonSerializerContext;
