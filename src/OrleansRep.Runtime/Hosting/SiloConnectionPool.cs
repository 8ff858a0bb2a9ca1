using System.Net.Sockets;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Hosting;

/// <summary>
/// One shared <see cref="TransportClient"/> per remote silo incarnation, connected on first use and reconnected after it
/// closes. <see cref="Retain"/> closes the connections to silos a new membership view no longer lists as active, so
/// calls waiting on a dead silo fail at once instead of at their timeout. At most <c>maxConnections</c> silos at a time.
/// With an <see cref="ILinkFilter"/>, a silo whose link is down cannot be reached: <see cref="GetAsync"/> fails as an
/// unreachable host would, for new and pooled connections alike (calls already sent still get their answers).
/// </summary>
public sealed class SiloConnectionPool : IAsyncDisposable
{
    private readonly TransportClientOptions _options;
    private readonly TimeProvider _time;
    private readonly int _maxConnections;
    private readonly ILinkFilter? _links;
    private readonly Lock _gate = new();
    private readonly Dictionary<SiloAddress, Task<TransportClient>> _connections = [];
    private readonly List<Task> _closing = [];
    private bool _disposed;

    /// <param name="options">How to connect and authenticate.</param>
    /// <param name="maxConnections">The most silos connected at once.</param>
    /// <param name="timeProvider">The clock of the connections' timeouts. Default system time.</param>
    /// <param name="links">Which silos can be reached; null (the default) reaches every silo.</param>
    /// <exception cref="ArgumentException">The client options are invalid.</exception>
    public SiloConnectionPool(TransportClientOptions options, int maxConnections, TimeProvider? timeProvider = null, ILinkFilter? links = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConnections, 1);
        _options = options;
        _maxConnections = maxConnections;
        _time = timeProvider ?? TimeProvider.System;
        _links = links;
    }

    /// <summary>The connection to <paramref name="silo"/>, connecting if there is none (the handshake timeout bounds it).</summary>
    /// <exception cref="InvalidOperationException">The pool already holds the most connections it may.</exception>
    /// <exception cref="SocketException">The link to <paramref name="silo"/> is down (<see cref="SocketError.HostUnreachable"/>).</exception>
    public async Task<TransportClient> GetAsync(SiloAddress silo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(silo);
        if (_links is not null && !_links.CanSendTo(silo))
        {
            // What the network says when a route is gone; callers already treat it as "silo unavailable".
            throw new SocketException((int)SocketError.HostUnreachable);
        }

        Task<TransportClient> connection;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            bool known = _connections.TryGetValue(silo, out Task<TransportClient>? existing);
            if (existing is not null && !IsBroken(existing))
            {
                connection = existing;
            }
            else
            {
                if (!known && _connections.Count >= _maxConnections)
                {
                    throw new InvalidOperationException($"the connection pool already holds {_maxConnections} silos");
                }

                if (existing is not null)
                {
                    _closing.Add(CloseAsync(existing));
                }

                // Not tied to this caller's token: other callers share the connection.
                connection = TransportClient.ConnectAsync(silo.EndPoint, _options, _time, CancellationToken.None);
                _connections[silo] = connection;
            }
        }

        return await connection.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the connections to every silo that is not active in <paramref name="view"/>.</summary>
    public void Retain(MembershipView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            foreach (SiloAddress silo in _connections.Keys.Where(s => view.StatusOf(s) != SiloStatus.Active).ToList())
            {
                _closing.Add(CloseAsync(_connections[silo]));
                _connections.Remove(silo);
            }

            _closing.RemoveAll(task => task.IsCompleted);
        }
    }

    /// <summary>Closes every connection; calls still waiting fail with <see cref="ConnectionClosedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        List<Task> closing;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            closing = [.. _closing, .. _connections.Values.Select(CloseAsync)];
            _connections.Clear();
        }

        await Task.WhenAll(closing).ConfigureAwait(false);
    }

    private static bool IsBroken(Task<TransportClient> connection) =>
        connection.IsFaulted || connection.IsCanceled || (connection.IsCompletedSuccessfully && connection.Result.IsClosed);

    private static async Task CloseAsync(Task<TransportClient> connection)
    {
        try
        {
            TransportClient client = await connection.ConfigureAwait(false);
            await client.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A connection that never opened has nothing to close; its callers got the error.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
