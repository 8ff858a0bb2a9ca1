using System.Globalization;

namespace OrleansRep.Silo.Dashboard;

/// <summary>The key of <see cref="IDashboardGrain"/>: "dashboard@{site}" (site-keyed, so the grain runs on that site).</summary>
public static class DashboardGrainKeys
{
    public static string Site(int site) => string.Create(CultureInfo.InvariantCulture, $"dashboard@{site}");
}
