using System.Diagnostics;
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
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> explain)
    {
        var waited = Stopwatch.StartNew();
        Exception? last = null;
        while (waited.Elapsed < Deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
#pragma warning disable CA1031 // A failing probe while the cluster changes means "not yet".
            catch (Exception e)
#pragma warning restore CA1031
            {
                last = e;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"{explain()} (after {Deadline}; last error: {last?.Message ?? "none"})");
    }
}
