using System.Collections.Concurrent;
using System.Net;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Transport;
using OrleansRep.Runtime.Tests.Transport;

namespace OrleansRep.Runtime.Tests.Membership;

/// <summary>A membership agent served by its own transport server on loopback, recording the events it raises.</summary>
internal sealed class TestSilo : IAsyncDisposable
{
    /// <summary>The defaults but slower to suspect: CI runs these next to other test assemblies on 2 cores, and a live
    /// silo that misses probes under load must not be declared dead by accident (tests wait on conditions).</summary>
    private static readonly MembershipOptions LenientOptions = new()
    {
        ProbeTimeout = TimeSpan.FromSeconds(1),
        MissedProbesLimit = 5,
        DeathVoteExpiration = TimeSpan.FromSeconds(30),
    };

    private TransportServer? _server;

    private TestSilo(MembershipAgent agent) => Agent = agent;

    public MembershipAgent Agent { get; }

    public SiloAddress Address { get; private set; } = null!;

    public IPEndPoint EndPoint => (IPEndPoint)Address.EndPoint;

    /// <summary>Every view <see cref="MembershipAgent.MembershipChanged"/> reported, in order.</summary>
    public ConcurrentQueue<MembershipView> Changes { get; } = new();

    public static TransportClientOptions SiloClientOptions => new()
    {
        ClusterSecret = TransportTestKit.Secret,
        ClientId = "silo",
        Roles = ClientRoles.All,
    };

    /// <summary>Starts a silo on <paramref name="port"/> (0: any free port) and joins through <paramref name="seeds"/> (none: it is the seed).</summary>
    public static async Task<TestSilo> StartAsync(IEnumerable<EndPoint>? seeds = null, int port = 0, long generation = 1, MembershipOptions? options = null)
    {
        var silo = new TestSilo(new MembershipAgent(options ?? LenientOptions, SiloClientOptions, TimeProvider.System));
        silo.Agent.MembershipChanged += (_, e) => silo.Changes.Enqueue(e.View);
        try
        {
            silo._server = await TransportServer.StartAsync(
                new TransportServerOptions { ClusterSecret = TransportTestKit.Secret, EndPoint = new IPEndPoint(IPAddress.Loopback, port) },
                silo.Agent);
            silo.Address = SiloAddress.From(silo._server.EndPoint, generation);
            await silo.Agent.StartAsync(silo.Address, seeds ?? [silo._server.EndPoint]);
            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    /// <summary>Closes the silo's port while its agent keeps running: to its peers it looks dead, yet it can still call them.</summary>
    public async Task StopServerAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }

    /// <summary>Stops the silo without a word to its peers: the server closes its port and the agent falls silent.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopServerAsync();
        await Agent.DisposeAsync();
    }
}
