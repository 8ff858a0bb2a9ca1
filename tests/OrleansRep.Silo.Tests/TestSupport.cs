using OrleansRep.Runtime.Testing;
using System.Net;
using System.Net.Sockets;

namespace OrleansRep.Silo.Tests;

/// <summary>Temporary directories, free ports and condition waits for the silo tests.</summary>
internal static class TestSupport
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>A loopback port that was free a moment ago (for endpoints other sites must know in advance).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string TempDirectory() => Directory.CreateTempSubdirectory("orep-silo-").FullName;

    /// <summary>Polls <paramref name="condition"/> (a throw counts as "not yet") until it holds; fails with <paramref name="explain"/>.</summary>
    public static Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> explain) =>
        Conditions.WaitUntilAsync(condition, explain, Deadline);
}
