using System.Net.Sockets;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Placement;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Hosting;

/// <summary>
/// Delivers a grain call wherever placement puts it: each call is placed on the current membership view by the
/// <see cref="PlacementDirector"/>, then runs in the local silo if it is the one chosen, or goes over the pooled
/// connection to the chosen silo (with its call chain, so cycles across silos re-enter instead of deadlocking).
/// <para>A call to a silo that has died fails fast with <see cref="SiloUnavailableException"/>: at once if the
/// connection cannot be made or breaks, and for calls already waiting when the view declares the silo dead (the pool
/// closes its connection). The call is not retried here, since it may have run; the caller's retry is placed again,
/// on the view of that moment.</para>
/// </summary>
public sealed class ClusterGrainCallInvoker : IGrainCallInvoker
{
    private readonly PlacementDirector _placement;
    private readonly Func<MembershipView> _view;
    private readonly SiloConnectionPool _connections;
    private readonly Silo? _local;
    private readonly Func<SiloAddress?> _localAddress;

    /// <param name="placement">Chooses the silo.</param>
    /// <param name="currentView">The membership view to place on (read at each call).</param>
    /// <param name="connections">Connections to the other silos.</param>
    /// <param name="local">The local silo, or null for a client outside the cluster (every call is remote).</param>
    /// <param name="localAddress">The local silo's address (null until it has bound its endpoint).</param>
    public ClusterGrainCallInvoker(
        PlacementDirector placement, Func<MembershipView> currentView, SiloConnectionPool connections, Silo? local = null, Func<SiloAddress?>? localAddress = null)
    {
        ArgumentNullException.ThrowIfNull(placement);
        ArgumentNullException.ThrowIfNull(currentView);
        ArgumentNullException.ThrowIfNull(connections);
        if (local is not null && localAddress is null)
        {
            throw new ArgumentException("a local silo needs its address to be recognised by placement", nameof(localAddress));
        }

        _placement = placement;
        _view = currentView;
        _connections = connections;
        _local = local;
        _localAddress = localAddress ?? (static () => null);
    }

    /// <exception cref="UnknownSiteException">The grain's key names an unregistered site.</exception>
    /// <exception cref="SiloUnavailableException">No live silo can take the call, or the chosen one died.</exception>
    public Task<object?> InvokeAsync(GrainCall request)
    {
        ArgumentNullException.ThrowIfNull(request);
        SiloAddress target;
        try
        {
            target = _placement.Place(request.Target, _view());
        }
        catch (Exception e) when (e is UnknownSiteException or SiloUnavailableException)
        {
            // As for any grain call, failures arrive through the returned task, not from the call site.
            return Task.FromException<object?>(e);
        }

        if (_local is not null && target == _localAddress())
        {
            return _local.InvokeAsync(request);
        }

        return InvokeRemoteAsync(request, target);
    }

    private async Task<object?> InvokeRemoteAsync(GrainCall request, SiloAddress target)
    {
        TransportClient connection;
        try
        {
            connection = await _connections.GetAsync(target).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or ConnectionClosedException or HandshakeRejectedException)
        {
            throw new SiloUnavailableException(request.Target.ToString(), target, $"cannot connect: {e.Message}", e);
        }

        try
        {
            return await new RemoteGrainCallInvoker(connection).InvokeAsync(request).ConfigureAwait(false);
        }
        catch (ConnectionClosedException e)
        {
            throw new SiloUnavailableException(request.Target.ToString(), target, "the connection closed before the call completed; it may have run", e);
        }
    }
}
