using Microsoft.Extensions.DependencyInjection;
using OrleansRep.Runtime.Core;

namespace OrleansRep.Silo.Dashboard;

/// <summary>Registers the dashboard's part of a site's silo: <see cref="IDashboardGrain"/> (what other sites' dashboards
/// call) and the site's <see cref="DashboardSiteSource"/>.</summary>
public static class DashboardHosting
{
    public static SiloBuilder AddDashboard(this SiloBuilder builder, DashboardOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = options ?? new DashboardOptions();
        settings.Validate();
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<DashboardSiteSource>();
        return builder.AddGrain<IDashboardGrain, DashboardGrain>();
    }
}
