using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication.Inputs;
using OrleansRep.Runtime.Core;

namespace OrleansRep.Silo;

/// <summary>
/// The operator's actions over HTTP (what <c>orep promote</c> and <c>orep handover</c> do, for the dashboard and for
/// scripts): <c>POST /api/promote</c> <c>{"site":N,"shard":S|null,"mode":"Fast"|"CheckpointFirst","waitSeconds":60}</c>
/// → <c>{"results":[PromotionReport...]}</c>; <c>POST /api/handover</c> <c>{"shard":S,"to":N,"waitSeconds":60}</c> →
/// a <see cref="HandoverReport"/>; <c>POST /api/sync</c> <c>{"site":N,"shard":S|null}</c> (a client holding its sync,
/// <c>--delay-client-sync</c>, syncs now) → which shards started one. Errors: JSON <c>{"error":"TypeName","message":"..."}</c> with 400 (bad input,
/// unknown shard), 409 (refused: nothing changed, or as the message says), 503 (no master now, unreachable), 504.
/// </summary>
public static class AdminHttpApi
{
    /// <summary>The request of <c>POST /api/promote</c>; <see cref="Shard"/> null: every shard.</summary>
    public sealed record PromoteRequest(int Site, int? Shard, PromotionMode Mode = PromotionMode.Fast, int WaitSeconds = 60);

    /// <summary>The request of <c>POST /api/handover</c>.</summary>
    public sealed record HandoverRequest(int Shard, int To, int WaitSeconds = 60);

    /// <summary>The request of <c>POST /api/sync</c>; <see cref="Shard"/> null: every shard.</summary>
    public sealed record SyncRequest(int Site, int? Shard);

    public static void Map(WebApplication app, RunningSite site)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(site);
        var changes = site.RoleChanges;
        app.MapPost("/api/promote", (HttpRequest request) => Answer(request, async (PromoteRequest r) =>
        {
            Check(r.Site > 0 && r.WaitSeconds >= 0 && Enum.IsDefined(r.Mode), "site must be positive, waitSeconds 0 or more, mode Fast or CheckpointFirst");
            return new { results = await changes.PromoteAsync(r.Site, r.Shard, r.Mode, TimeSpan.FromSeconds(r.WaitSeconds)).ConfigureAwait(false) };
        }));
        app.MapPost("/api/handover", (HttpRequest request) => Answer(request, async (HandoverRequest r) =>
        {
            Check(r.To > 0 && r.WaitSeconds >= 0, "to must be positive, waitSeconds 0 or more");
            return await changes.HandoverAsync(r.Shard, r.To, TimeSpan.FromSeconds(r.WaitSeconds)).ConfigureAwait(false);
        }));
        app.MapPost("/api/sync", (HttpRequest request) => Answer(request, async (SyncRequest r) =>
        {
            Check(r.Site > 0, "site must be positive");
            new ShardMap(site.Options.Shards).CheckShard(r.Shard ?? 0);
            var shards = r.Shard is { } one ? [one] : Enumerable.Range(0, site.Options.Shards).ToArray();
            var started = await Task.WhenAll(shards.Select(s => ShardErrors.Typed(site.Host.GrainFactory.GetGrain<ILogShardGrain>(GrainKeys.Shard(s, r.Site)).SyncNow()))).ConfigureAwait(false);
            return new { site = r.Site, shards = shards.Zip(started).Select(p => new { shard = p.First, syncStarted = p.Second }) };
        }));
    }

    /// <summary>Refuses a request that breaks <paramref name="rule"/> (answered 400).</summary>
    internal static void Check(bool valid, string rule)
    {
        if (!valid)
        {
            throw new ArgumentException(rule);
        }
    }

    /// <summary>Reads the JSON body as <typeparamref name="TRequest"/>, runs <paramref name="action"/> and answers with its
    /// result, or with the error as JSON and its status code.</summary>
    internal static async Task<IResult> Answer<TRequest, TResult>(HttpRequest request, Func<TRequest, Task<TResult>> action)
    {
        try
        {
            var body = await request.ReadFromJsonAsync<TRequest>(SiteHttpApi.Json, request.HttpContext.RequestAborted).ConfigureAwait(false)
                ?? throw new ArgumentException("the request has no JSON body");
            return Results.Json(await action(body).ConfigureAwait(false), SiteHttpApi.Json);
        }
#pragma warning disable CA1031 // Every failure is answered, typed; none may take the endpoint down.
        catch (Exception e)
#pragma warning restore CA1031
        {
            var error = ShardErrors.Translate(e);
            var status = error switch
            {
                JsonException or ArgumentException or UnknownShardException or BadHttpRequestException or InvalidOperationException => StatusCodes.Status400BadRequest,
                RoleChangeRefusedException or SiteChangeRejectedException or NotMasterException => StatusCodes.Status409Conflict,
                TimeoutException or OperationCanceledException => StatusCodes.Status504GatewayTimeout,
                _ => StatusCodes.Status503ServiceUnavailable,
            };
            return Results.Json(new { error = error.GetType().Name, message = error.Message }, SiteHttpApi.Json, statusCode: status);
        }
    }
}
