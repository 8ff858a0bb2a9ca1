using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OrleansRep.Silo.Dashboard;

/// <summary>
/// The dashboard on the site's HTTP endpoint: the page at <c>/</c> (files under <c>/dashboard/</c>),
/// <c>/api/dashboard</c> (the latest snapshot as JSON), <c>/api/dashboard/stream</c> (server-sent events: "init", then
/// a "snapshot" every sample interval, from the silo's one <see cref="DashboardProducer"/>) and <c>POST /api/elect</c>.
/// With a certificate the whole endpoint but the probes asks for the admin's Basic credentials
/// (<see cref="DashboardBasicAuth"/>).
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>Maps the dashboard onto <paramref name="app"/> and starts its producer (stopped when the app stops).</summary>
    public static void Map(WebApplication app, RunningSite site)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(site);
        DashboardBasicAuth.Use(app, site);
        var services = site.Host.Silo.Services;
        var producer = new DashboardProducer(
            site,
            services.GetRequiredService<DashboardSiteSource>(),
            services.GetRequiredService<DashboardOptions>(),
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OrleansRep.Silo.Dashboard"));
        // Open pages end with the app (a page's stream would otherwise hold the shutdown for its whole timeout).
        app.Lifetime.ApplicationStopping.Register(producer.Stop);
        producer.Start();

        app.MapGet("/", () => File("index.html"));
        app.MapGet("/dashboard/{name}", (string name) => File(name));
        app.MapGet("/api/dashboard", () => producer.Latest is { } latest ? Results.Json(latest, SiteHttpApi.Json) : Results.Json(new { error = "NotReady", message = "no snapshot yet" }, SiteHttpApi.Json, statusCode: 503));
        app.MapGet("/api/dashboard/stream", (CancellationToken cancellationToken) => TypedResults.ServerSentEvents(Stream(producer, cancellationToken)));
        app.MapPost("/api/elect", (HttpRequest request) => ElectEndpoint.HandleAsync(request, site));
    }

    private static IResult File(string name) =>
        DashboardAssets.TryGet(name, out var content, out var contentType)
            ? Results.Bytes(content, contentType)
            : Results.NotFound();

    private static async IAsyncEnumerable<SseItem<string>> Stream(DashboardProducer producer, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (init, snapshots, subscription) = producer.Subscribe();
        using (subscription)
        {
            yield return new SseItem<string>(init, "init");
            await foreach (var json in snapshots.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return new SseItem<string>(json, "snapshot");
            }
        }
    }
}
