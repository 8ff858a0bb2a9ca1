using System.Text.Json.Serialization;

namespace OrleansRep.Cli.Bench;

/// <summary>What <c>orep bench catchup --json</c> prints, on one line. Rates are payload megabytes (2^20 bytes of
/// values written while the site was down) per second of catch-up, timed from the restart (the process launched) and
/// from when the process was up (its start line), to when its replica of shard 0 reached the master's log end.</summary>
public sealed record CatchupReport(
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("payload_mb")] double PayloadMb,
    [property: JsonPropertyName("keys")] long Keys,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("mb_per_s")] double MbPerSecond,
    [property: JsonPropertyName("seconds_from_up")] double SecondsFromUp,
    [property: JsonPropertyName("mb_per_s_from_up")] double MbPerSecondFromUp,
    [property: JsonPropertyName("caught_up")] bool CaughtUp,
    [property: JsonPropertyName("sampled")] int Sampled,
    [property: JsonPropertyName("wrong_values")] int WrongValues)
{
    /// <summary>The site stopped and brought back (a client of shard 0).</summary>
    [JsonPropertyName("site")]
    public int Site { get; init; }

    /// <summary>Log bytes the caught-up replica wrote since its restart (its counters); with internal init, what came
    /// after the snapshot.</summary>
    [JsonPropertyName("log_bytes")]
    public long LogBytes { get; init; }

    /// <summary>Seconds the writing took (payload MB / this = the master's write rate under Quorum with one site down).</summary>
    [JsonPropertyName("write_seconds")]
    public double WriteSeconds { get; init; }

    /// <summary>Writes committed on the master whose Quorum acknowledgement came too late (PERM_FAILED); their values
    /// are in the master's log all the same.</summary>
    [JsonPropertyName("perm_failed")]
    public long PermFailed { get; init; }

    /// <summary>CPU time (user + system) the three silo processes used from the restart to caught up: on a shared
    /// machine the rate depends on the share the sites get; payload MB per CPU-second does not.</summary>
    [JsonPropertyName("cpu_seconds")]
    public double CpuSeconds { get; init; }

    /// <summary>Whether the site came back by internal init (an InitDone event), as <c>--mode init</c> wants.</summary>
    [JsonPropertyName("internal_init")]
    public bool InternalInit { get; init; }
}

[JsonSerializable(typeof(CatchupReport))]
internal sealed partial class CatchupJsonContext : JsonSerializerContext;
