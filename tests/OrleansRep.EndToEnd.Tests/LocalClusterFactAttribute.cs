using System.Net.NetworkInformation;

namespace OrleansRep.EndToEnd.Tests;

/// <summary>
/// A test of the README's local cluster, which listens on fixed ports (11111-11113, 30001-30003, 8081-8083): opt-in
/// (<c>OREP_LONG=1</c> or <c>OREP_LOCAL_CLUSTER=1</c>), since two local clusters cannot share a machine, and reported
/// skipped while any of those ports is taken.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class LocalClusterFactAttribute : FactAttribute
{
    public LocalClusterFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("OREP_LONG") != "1" && Environment.GetEnvironmentVariable("OREP_LOCAL_CLUSTER") != "1")
        {
            Skip = "opt-in: the local cluster's fixed ports (OREP_LONG=1 or OREP_LOCAL_CLUSTER=1 runs it)";
            return;
        }

        var ports = new[] { 11111, 11112, 11113, 30001, 30002, 30003, 8081, 8082, 8083 };
        var taken = IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpListeners().Select(e => e.Port).Intersect(ports).ToList();
        if (taken.Count > 0)
        {
            Skip = $"the local cluster's ports {string.Join(", ", taken)} are in use";
        }
    }
}
