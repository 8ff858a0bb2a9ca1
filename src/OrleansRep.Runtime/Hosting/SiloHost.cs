using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Placement;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Hosting;

/// <summary>
/// One silo's runtime in a cluster: the local <see cref="Silo"/>, one <see cref="TransportServer"/> endpoint serving
/// both membership and grain calls (<see cref="SiloFrameDispatcher"/>), a <see cref="MembershipAgent"/>, and
/// placement: calls made through <see cref="GrainFactory"/> (and by grains, through theirs) go to the silo that
/// placement chooses on the current view (<see cref="ClusterGrainCallInvoker"/>). A client connecting with a
/// <see cref="GrainClient"/> reaches this silo's grains directly.
/// </summary>
public sealed class SiloHost : IAsyncDisposable
{
    private readonly TransportServer _server;
    private readonly TransportServer? _gateway;
    private readonly SiloConnectionPool _connections;
    private int _stopped;

    private SiloHost(Silo silo, TransportServer server, TransportServer? gateway, MembershipAgent membership, SiloConnectionPool connections, LocalSiloDetails details)
    {
        Silo = silo;
        _server = server;
        _gateway = gateway;
        Membership = membership;
        _connections = connections;
        Details = details;
    }

    /// <summary>The local silo (its catalog of activations).</summary>
    public Silo Silo { get; }

    /// <summary>This silo's membership service (view, status, <see cref="MembershipAgent.MembershipChanged"/>).</summary>
    public MembershipAgent Membership { get; }

    /// <summary>This incarnation's address and site.</summary>
    public LocalSiloDetails Details { get; }

    /// <summary>This incarnation.</summary>
    public SiloAddress Address => Details.Address;

    /// <summary>Where this silo listens (for seeds and for <see cref="GrainClient"/>s).</summary>
    public IPEndPoint EndPoint => _server.EndPoint;

    /// <summary>Where the client gateway listens (<see cref="SiloHostOptions.GatewayEndPoint"/>), or null.</summary>
    public IPEndPoint? GatewayEndPoint => _gateway?.EndPoint;

    /// <summary>References whose calls are placed across the cluster.</summary>
    public IGrainFactory GrainFactory => Silo.GrainFactory;

    /// <summary>The grain types this silo serves, by interface (for a cluster client's <see cref="Core.GrainFactory"/>).</summary>
    public IGrainTypeResolver GrainTypes => Silo.Registry;

    /// <summary>
    /// Builds the silo from <paramref name="builder"/> (grains, storage, services; the host adds
    /// <see cref="LocalSiloDetails"/> and routes the silo's grain factory by placement), binds the endpoint, registers
    /// the silo's site in <paramref name="sites"/> if it has one, and joins the cluster through the seeds.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid, or the site is registered at another endpoint.</exception>
    /// <exception cref="MembershipJoinException">No seed admitted the silo.</exception>
    public static async Task<SiloHost> StartAsync(
        SiloHostOptions options,
        SiloBuilder builder,
        SiteDirectory sites,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(sites);
        options.Validate();
        TimeProvider time = timeProvider ?? TimeProvider.System;
        var placement = new PlacementDirector(sites, options.Placement);
        var details = new LocalSiloDetails(options.SiteId);
        var membership = new MembershipAgent(options.Membership, options.ClientOptions, time, loggerFactory);
        var connections = new SiloConnectionPool(options.ClientOptions, options.Membership.MaxSilos, time, options.LinkFilter);
        var streams = new ClusterStreams(placement, () => membership.View, connections, () => membership.Self);
        membership.MembershipChanged += (_, e) =>
        {
            connections.Retain(e.View);
            streams.OnViewChanged(e.View);
        };
        builder.Services.AddSingleton(details);
        builder.Services.AddSingleton(streams);
        ClusterGrainCallInvoker? router = null;
        builder.UseGrainCallRouter(silo => router = new ClusterGrainCallInvoker(placement, () => membership.View, connections, silo, () => membership.Self));
        Silo? silo = null;
        TransportServer? server = null;
        TransportServer? gateway = null;
        try
        {
            silo = builder.Build();
            streams.Services = silo.Services;
            var dispatcher = new SiloFrameDispatcher(membership, new GrainCallHandler(silo), options.LinkFilter, streams);
            server = await TransportServer.StartAsync(options.ServerOptionsAt(options.EndPoint), dispatcher, loggerFactory, time, cancellationToken).ConfigureAwait(false);
            details.Address = SiloAddress.From(server.EndPoint, options.Generation ?? SiloAddress.NewGeneration(time));
            if (options.SiteId is int siteId)
            {
                sites.Register(siteId, server.EndPoint);
            }

            await membership.StartAsync(details.Address, options.Seeds, cancellationToken).ConfigureAwait(false);
            if (options.GatewayEndPoint is { } gatewayEndPoint)
            {
                gateway = await TransportServer.StartAsync(
                    options.ServerOptionsAt(gatewayEndPoint), new GrainCallHandler(silo, router), loggerFactory, time, cancellationToken).ConfigureAwait(false);
            }

            return new SiloHost(silo, server, gateway, membership, connections, details);
        }
        catch
        {
            await StopTransportAsync(server, gateway, membership, connections).ConfigureAwait(false);
            if (silo is not null)
            {
                await silo.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>
    /// Stops the silo abruptly, as a crashed process: the endpoint closes and membership falls silent without a
    /// goodbye (peers detect the absence), and connections to other silos close. No grain code runs: activations are
    /// abandoned until <see cref="DisposeAsync"/> (a killed host cannot be restarted; start a new one).
    /// </summary>
    public async Task KillAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await StopTransportAsync(_server, _gateway, Membership, _connections).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stops the silo gracefully (unless <see cref="KillAsync"/> came first): leaves membership, so peers place its
    /// grains elsewhere at once (<see cref="MembershipAgent.LeaveAsync"/>), deactivates every activation while calls to
    /// other silos still work, then closes the endpoint and connections. After a kill it only deactivates.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            // Clients first: no new calls come in while the silo leaves and deactivates.
            if (_gateway is not null)
            {
                await _gateway.DisposeAsync().ConfigureAwait(false);
            }

            await Membership.LeaveAsync().ConfigureAwait(false);
            await Silo.DisposeAsync().ConfigureAwait(false);
            await StopTransportAsync(_server, null, Membership, _connections).ConfigureAwait(false);
            return;
        }

        await Silo.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task StopTransportAsync(TransportServer? server, TransportServer? gateway, MembershipAgent membership, SiloConnectionPool connections)
    {
        if (gateway is not null)
        {
            await gateway.DisposeAsync().ConfigureAwait(false);
        }

        if (server is not null)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }

        await membership.DisposeAsync().ConfigureAwait(false);
        await connections.DisposeAsync().ConfigureAwait(false);
    }
}
