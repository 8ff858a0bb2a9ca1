using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Runtime.Streams;

namespace OrleansRep.Silo;

/// <summary>
/// The site's HTTP endpoints (minimal APIs): <c>/healthz</c> (the silo is an active cluster member),
/// <c>/readyz</c> (the site knows every shard's master), <c>/metrics</c> (Prometheus text), <c>/api/status</c> (JSON)
/// and <c>/api/events</c> (server-sent events of the site's event feed; <c>Last-Event-ID</c> resumes within the
/// retained window).
/// </summary>
public static class SiteHttpApi
{
    /// <summary>How long an endpoint waits for the site's status.</summary>
    public static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Most events buffered for one slow <c>/api/events</c> client; older ones are dropped past it.</summary>
    public const int MaxBufferedEvents = 1_000;

    /// <summary>The JSON shape of the API: camelCase, enums as names.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    /// <summary>Maps the endpoints onto <paramref name="app"/> for <paramref name="site"/>.</summary>
    public static void Map(WebApplication app, RunningSite site)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(site);
        app.MapGet("/healthz", () => site.IsHealthy ? Results.Text("ok\n") : Results.Text("not an active cluster member\n", statusCode: 503));
        app.MapGet("/readyz", async () =>
        {
            var status = await StatusOrNull(site).ConfigureAwait(false);
            var waiting = status is null ? "the site's status is unavailable" : string.Join(", ", status.Shards.Where(s => s.Master == 0).Select(s => $"shard {s.Shard}"));
            return waiting.Length == 0 ? Results.Text("ready\n") : Results.Text($"not ready: no known master for {waiting}\n", statusCode: 503);
        });
        app.MapGet("/metrics", async () =>
            Results.Text(site.Metrics.WritePrometheus(await StatusOrNull(site).ConfigureAwait(false), site.SiteHealth()), "text/plain; version=0.0.4; charset=utf-8"));
        app.MapGet("/api/status", async () =>
        {
            var status = await StatusOrNull(site).ConfigureAwait(false);
            var recovery = await RecoveryHttpApi.StatusAsync(site).ConfigureAwait(false);
            return Results.Json(new { site = site.SiteId, healthy = site.IsHealthy, sites = site.SiteHealth(), shards = status?.Shards, members = status?.Members, recovery }, Json);
        });
        app.MapGet("/api/events", (HttpRequest request, CancellationToken cancellationToken) =>
        {
            StreamSequenceToken? from = long.TryParse(request.Headers["Last-Event-ID"], out var last) ? new StreamSequenceToken(last + 1) : null;
            return TypedResults.ServerSentEvents(Events(site, from, cancellationToken));
        });
        AdminHttpApi.Map(app, site);
        RecoveryHttpApi.Map(app, site);
        Dashboard.DashboardEndpoints.Map(app, site);
    }

    private static async Task<SiteStatus?> StatusOrNull(RunningSite site)
    {
        try
        {
            return await site.SiteGrain.GetStatus().WaitAsync(StatusTimeout).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Any failure means "no status": the endpoints report it rather than fail.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    private static async IAsyncEnumerable<SseItem<string>> Events(RunningSite site, StreamSequenceToken? from, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = Channel.CreateBounded<SseItem<string>>(new BoundedChannelOptions(MaxBufferedEvents) { FullMode = BoundedChannelFullMode.DropOldest });
        var observer = new ServerSentEventWriter(events.Writer, Json);
        var subscription = await site.Events.Stream.SubscribeAsync(observer, from, cancellationToken).ConfigureAwait(false);
        try
        {
            await foreach (var item in events.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            await subscription.UnsubscribeAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}
