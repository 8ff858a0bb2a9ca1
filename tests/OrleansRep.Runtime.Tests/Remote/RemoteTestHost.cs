using Microsoft.Extensions.DependencyInjection;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Tests.Transport;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Tests.Remote;

/// <summary>A silo with the test grains behind a gateway on loopback port 0, and clients connected to it.</summary>
internal sealed class RemoteTestHost : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    private RemoteTestHost(Silo silo, TransportServer server, RemoteProbe probe)
    {
        Silo = silo;
        Server = server;
        Probe = probe;
    }

    public Silo Silo { get; }

    public TransportServer Server { get; }

    public RemoteProbe Probe { get; }

    public static async Task<RemoteTestHost> StartAsync()
    {
        var probe = new RemoteProbe();
        var builder = new SiloBuilder()
            .AddGrain<IRemoteTestGrain, RemoteTestGrain>()
            .AddGrain<ICycleStartGrain, CycleStartGrain>()
            .AddGrain<ICycleBounceGrain, CycleBounceGrain>();
        builder.Services.AddSingleton(probe);
        var silo = builder.Build();
        var server = await TransportTestKit.StartServerAsync(new GrainCallHandler(silo));
        return new RemoteTestHost(silo, server, probe);
    }

    public async Task<GrainClient> ConnectAsync(ClientRoles roles = ClientRoles.Read, TimeProvider? time = null, string clientId = "test-client")
    {
        var client = await GrainClient.ConnectAsync(
            Server.EndPoint,
            new GrainClientOptions { ClusterSecret = TransportTestKit.Secret, ClientId = clientId, Roles = roles },
            time);
        _owned.Add(client);
        return client;
    }

    public async Task<TransportClient> ConnectRawAsync(ClientRoles roles = ClientRoles.All)
    {
        var client = await TransportTestKit.ConnectAsync(Server, roles: roles);
        _owned.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        await Server.DisposeAsync();
        await Silo.DisposeAsync();
    }
}
