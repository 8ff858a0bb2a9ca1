using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using OrleansRep.Grains.Interfaces;

namespace OrleansRep.Silo;

/// <summary>
/// The recovery master over HTTP (what <c>orep ban</c> and <c>orep unban</c> do): <c>POST /api/ban</c>
/// <c>{"site":N,"seconds":S}</c> (seconds optional: the configured RecoveryBanPeriod) and <c>POST /api/unban</c>
/// <c>{"site":N}</c> → the site's <see cref="RecoveryView"/>; <c>GET /api/recovery</c> → <see cref="RecoveryStatus"/>
/// (with the recovery master's ban credits, <c>credits:[{site,credits,lastAt,reason}]</c>).
/// Errors: JSON <c>{"error":"TypeName","message":"..."}</c> with 400 (bad input), 503 (the site cannot be reached), 504.
/// </summary>
public static class RecoveryHttpApi
{
    /// <summary>The request of <c>POST /api/ban</c>.</summary>
    public sealed record BanRequest(int Site, int? Seconds);

    /// <summary>The request of <c>POST /api/unban</c>.</summary>
    public sealed record UnbanRequest(int Site);

    /// <summary>How long the recovery status waits for each site's view.</summary>
    public static readonly TimeSpan ViewTimeout = TimeSpan.FromSeconds(1);

    public static void Map(WebApplication app, RunningSite site)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(site);
        var grains = site.Host.GrainFactory;
        app.MapPost("/api/ban", (HttpRequest request) => AdminHttpApi.Answer(request, async (BanRequest r) =>
        {
            var seconds = r.Seconds ?? (int)Math.Ceiling(site.Options.Recovery.RecoveryBanPeriod.TotalSeconds);
            AdminHttpApi.Check(r.Site > 0 && seconds > 0, "site and seconds must be positive");
            var waitMs = (int)Math.Clamp(site.Options.Recovery.HandoverWait.TotalMilliseconds, 0, int.MaxValue);
            return await grains.GetGrain<IRecoveryGrain>(GrainKeys.Recovery(r.Site)).Ban(seconds, $"operator ban for {seconds} s (through site {site.SiteId})", waitMs).ConfigureAwait(false);
        }));
        app.MapPost("/api/unban", (HttpRequest request) => AdminHttpApi.Answer(request, async (UnbanRequest r) =>
        {
            AdminHttpApi.Check(r.Site > 0, "site must be positive");
            return await grains.GetGrain<IRecoveryGrain>(GrainKeys.Recovery(r.Site)).Unban($"operator unban (through site {site.SiteId})").ConfigureAwait(false);
        }));
        app.MapGet("/api/recovery", async () => Results.Json(await StatusAsync(site).ConfigureAwait(false), SiteHttpApi.Json));
    }

    /// <summary>The recovery state as <paramref name="site"/> sees it; bans from every group site that answers in time
    /// (null when the site's own view is unavailable).</summary>
    public static async Task<RecoveryStatus?> StatusAsync(RunningSite site)
    {
        ArgumentNullException.ThrowIfNull(site);
        var grains = site.Host.GrainFactory;
        var views = await Task.WhenAll(site.SiteHealth().Select(async h =>
        {
            try
            {
                return await grains.GetGrain<IRecoveryGrain>(GrainKeys.Recovery(h.Id)).GetView().WaitAsync(ViewTimeout).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A site that does not answer is left out.
            catch (Exception)
#pragma warning restore CA1031
            {
                return null;
            }
        })).ConfigureAwait(false);
        var own = views.FirstOrDefault(v => v?.Site == site.SiteId);
        return own is null ? null : new RecoveryStatus(own.RecoveryMaster, own.MapGeneration, own.LastRecovery, own.LastRecoveryAt,
            [.. views.OfType<RecoveryView>().Where(v => v.Banned).Select(v => new SiteBan(v.Site, v.BannedUntil, v.BanReason))],
            [.. views.OfType<RecoveryView>().Select(v => new RecoverySite(v.Site, v.StartedAt, v.Banned, v.Stopped, v.RecoveryMaster, v.MapGeneration))])
        {
            Credits = views.FirstOrDefault(v => v is not null && v.Site == own.RecoveryMaster)?.BanCredits ?? [],
        };
    }
}
