using System.Net;
using System.Net.Sockets;

namespace OrleansRep.Runtime.Testing;

/// <summary>
/// Ports for endpoints every site must know before it starts (site-to-site, gateway). Each is free when picked and is
/// never handed out twice in this test process: a port picked for a site that has not bound it yet is still free, so
/// without the record a second pick could return it (CI once gave site 3's gateway site 2's site-to-site port).
/// </summary>
public static class FreePorts
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>A free port below Linux's ephemeral range (32768-60999): one picked from that range and released could be
    /// handed to any socket bound to port 0 (an HTTP endpoint, an outgoing connection) before the site binds it.</summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < 1_000; attempt++)
        {
            var port = Random.Shared.Next(10_000, 20_000);
            lock (HandedOut)
            {
                if (!HandedOut.Contains(port) && IsFree(port))
                {
                    HandedOut.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException("no free port in 10000-19999");
    }

    /// <summary>Nothing listens on loopback port <paramref name="port"/> now.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
