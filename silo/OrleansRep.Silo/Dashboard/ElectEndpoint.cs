using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Runtime.Placement;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Silo.Dashboard;

/// <summary>
/// <c>POST /api/elect</c> <c>{"shard":S,"site":N|null}</c>: site N (null: this site) calls an election for shard S,
/// through its election grain as <c>OrleansRepClient.ElectAsync</c> does. 200 <c>{"shard":S,"site":N}</c> once the
/// election is called (it runs on; the map shows its winner). Errors as <see cref="DashboardError"/>: 400 for a bad
/// body, an unknown shard or a site not in the group (nothing happens); 503 when the site cannot be reached; 409 for a
/// refusal of the service (e.g. a removed site); 500 otherwise.
/// </summary>
internal static class ElectEndpoint
{
    /// <summary>How long the endpoint waits for the election grain to take the call.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static async Task<IResult> HandleAsync(HttpRequest request, RunningSite site)
    {
        ElectRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<ElectRequest>(request.Body, SiteHttpApi.Json, request.HttpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            return DashboardError.Of(StatusCodes.Status400BadRequest, "ArgumentException", $"the body is not {{\"shard\":S,\"site\":N|null}}: {e.Message}");
        }

        if (body?.Shard is not { } shard)
        {
            return DashboardError.Of(StatusCodes.Status400BadRequest, "ArgumentException", "the body needs \"shard\" (and \"site\": a site id, or null for this site)");
        }

        if (shard < 0 || shard >= site.Options.Shards)
        {
            return DashboardError.Of(StatusCodes.Status400BadRequest, nameof(UnknownShardException), $"no shard {shard}: the cluster has shards 0..{site.Options.Shards - 1}");
        }

        var from = body.Site ?? site.SiteId;
        if (site.SiteHealth().All(s => s.Id != from))
        {
            return DashboardError.Of(StatusCodes.Status400BadRequest, nameof(UnknownSiteException), $"site {from} is not in the group ({string.Join(", ", site.SiteHealth().Select(s => s.Id))})");
        }

        try
        {
            var grain = site.Host.GrainFactory.GetGrain<IElectionGrain>(GrainKeys.Election(shard, from));
            await ShardErrors.Typed(Completed(grain.Elect())).WaitAsync(Timeout).ConfigureAwait(false);
            return Results.Json(new { shard, site = from }, SiteHttpApi.Json);
        }
        catch (Exception e) when (e is TimeoutException or SiloUnavailableException or ConnectionClosedException or UnknownSiteException)
        {
            return DashboardError.Of(StatusCodes.Status503ServiceUnavailable, e);
        }
        catch (ShardException e)
        {
            return DashboardError.Of(StatusCodes.Status409Conflict, e);
        }
#pragma warning disable CA1031 // Whatever else failed is the action's answer, shown in the page.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return DashboardError.Of(StatusCodes.Status500InternalServerError, e is RemoteGrainException remote ? remote.RemoteTypeName : e.GetType().Name, e.Message);
        }
    }

    private static async Task<bool> Completed(Task call)
    {
        await call.ConfigureAwait(false);
        return true;
    }
}
