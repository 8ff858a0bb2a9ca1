using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Runtime.Streams;

namespace OrleansRep.Silo;

/// <summary>
/// The site's metrics. Replication events from the site's feed are counted (<c>orep.events</c> on the
/// "OrleansRep.Silo" meter, tagged by kind, for dotnet-counters and OpenTelemetry); <see cref="WritePrometheus"/>
/// writes them with the replicas' status (role, gen, LSN, lag) and membership in the Prometheus text format, by hand:
/// the format is a few lines and an exporter package is not available here.
/// </summary>
public sealed class SiteMetrics : IAsyncObserver<SiteEvent>, IDisposable
{
    private readonly ConcurrentDictionary<RepEventKind, long> _events = new();
    private readonly Meter _meter = new("OrleansRep.Silo");
    private readonly int _site;

    public SiteMetrics(int site)
    {
        _site = site;
        _meter.CreateObservableCounter("orep.events", () => _events.Select(e => new Measurement<long>(e.Value, new KeyValuePair<string, object?>("kind", e.Key.ToString()))), description: "replication events of this site's replicas");
    }

    /// <summary>Events counted so far, by kind.</summary>
    public long Count(RepEventKind kind) => _events.GetValueOrDefault(kind);

    public Task OnNextAsync(SiteEvent item, StreamSequenceToken token)
    {
        ArgumentNullException.ThrowIfNull(item);
        _events.AddOrUpdate(item.Kind, 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }

    public Task OnErrorAsync(Exception exception) => Task.CompletedTask;

    public Task OnCompletedAsync() => Task.CompletedTask;

    /// <summary>Writes the Prometheus text exposition of this site.</summary>
    public string WritePrometheus(SiteStatus? status, IReadOnlyList<SiteHealth> sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        var text = new StringBuilder();
        void Family(string name, string type, string help) => text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");
        void Sample(string name, string labels, double value) =>
            text.Append(CultureInfo.InvariantCulture, $"{name}{{site=\"{_site}\"{labels}}} {value.ToString("R", CultureInfo.InvariantCulture)}\n");

        Family("orep_events_total", "counter", "Replication events of this site's replicas, by kind.");
        foreach (var kind in Enum.GetValues<RepEventKind>())
        {
            Sample("orep_events_total", $",kind=\"{kind}\"", Count(kind));
        }

        Family("orep_perm_failed_total", "counter", "Writes whose ack policy was not met in time (PERM_FAILED).");
        Sample("orep_perm_failed_total", "", Count(RepEventKind.PermFailed));
        Family("orep_elections_won_total", "counter", "Elections this site won.");
        Sample("orep_elections_won_total", "", Count(RepEventKind.Elected));
        Family("orep_site_healthy", "gauge", "1 if this site's membership view holds the site active.");
        foreach (var site in sites)
        {
            text.Append(CultureInfo.InvariantCulture, $"orep_site_healthy{{site=\"{_site}\",peer=\"{site.Id}\"}} {(site.Healthy ? 1 : 0)}\n");
        }

        if (status is not null)
        {
            var gauges = new (string Name, string Help, Func<ReplicaStatus, double> Value)[]
            {
                ("orep_shard_master", "The shard's master as this replica knows it (0: unknown).", r => r.Master),
                ("orep_shard_is_master", "1 if this site is the shard's master.", r => r.Role == RepRole.Master ? 1 : 0),
                ("orep_shard_gen", "The shard's generation at this replica.", r => r.Gen),
                ("orep_shard_log_end", "End of this replica's log (LSN as file << 32 | offset).", r => r.LogEnd),
                ("orep_shard_lag_ms", "Milliseconds since this client last heard from its master (0 on the master, -1 never).", r => r.LagMs),
            };
            foreach (var (name, help, value) in gauges)
            {
                Family(name, "gauge", help);
                foreach (var shard in status.Shards)
                {
                    Sample(name, $",shard=\"{shard.Shard}\"", value(shard));
                }
            }

            var counters = new (string Name, string Type, string Help, Func<ReplicaCounters, double> Value)[]
            {
                ("orep_shard_commits_total", "counter", "Writes this replica committed as master (ack policy met).", c => c.Commits),
                ("orep_shard_perm_failed_total", "counter", "Writes this replica committed as master whose ack policy was not met in time.", c => c.PermFailed),
                ("orep_shard_acks_received_total", "counter", "Acknowledgements this replica received from its clients as master.", c => c.AcksReceived),
                ("orep_shard_records_applied_total", "counter", "Log records this replica applied as client.", c => c.RecordsApplied),
                ("orep_shard_duplicate_records_total", "counter", "Log records this replica received again as client (already applied).", c => c.DuplicateRecords),
                ("orep_shard_requests_served_total", "counter", "Requests for log (and verify) this replica answered with data.", c => c.RequestsServed),
                ("orep_shard_messages_dropped_total", "counter", "Messages to peers this replica dropped because the link's queue was full.", c => c.MessagesDropped),
                ("orep_shard_log_bytes_written_total", "counter", "Bytes this replica wrote to its log.", c => c.LogBytesWritten),
                ("orep_shard_fsyncs_total", "counter", "Fsyncs of this replica's log.", c => c.Fsyncs),
                ("orep_shard_fsync_p50_us", "gauge", "Median fsync latency of this replica's log, microseconds.", c => c.FsyncP50Us),
                ("orep_shard_fsync_p99_us", "gauge", "99th percentile fsync latency of this replica's log, microseconds.", c => c.FsyncP99Us),
                ("orep_shard_fsync_max_us", "gauge", "Slowest fsync of this replica's log, microseconds.", c => c.FsyncMaxUs),
            };
            foreach (var (name, type, help, value) in counters)
            {
                Family(name, type, help);
                foreach (var shard in status.Shards.Where(s => s.Counters is not null))
                {
                    Sample(name, $",shard=\"{shard.Shard}\"", value(shard.Counters!));
                }
            }
        }

        return text.ToString();
    }

    public void Dispose() => _meter.Dispose();
}
