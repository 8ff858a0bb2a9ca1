using Microsoft.AspNetCore.Http;

namespace OrleansRep.Silo.Dashboard;

/// <summary>The actions' error answer: <c>{"error":"TypeName","message":"..."}</c> with a 4xx or 5xx status.</summary>
internal static class DashboardError
{
    public static IResult Of(int status, string error, string message) =>
        Results.Json(new { error, message }, SiteHttpApi.Json, statusCode: status);

    public static IResult Of(int status, Exception exception) => Of(status, exception.GetType().Name, exception.Message);
}
