using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Membership;

/// <summary>
/// The membership agent's connections to its peers, one per silo incarnation, opened on first use and closed when
/// the view stops listing the incarnation as alive (so their number stays bounded by the view).
/// </summary>
internal sealed class PeerConnections(TransportClientOptions options, TimeProvider timeProvider) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<SiloAddress, PeerConnection> _peers = [];
    private bool _disposed;

    /// <summary>The connection to <paramref name="silo"/>.</summary>
    /// <exception cref="ObjectDisposedException">Membership has stopped.</exception>
    public PeerConnection For(SiloAddress silo)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_peers.TryGetValue(silo, out PeerConnection? connection))
            {
                connection = new PeerConnection(silo.EndPoint, options, timeProvider);
                _peers[silo] = connection;
            }

            return connection;
        }
    }

    /// <summary>Forgets the connections to incarnations <paramref name="view"/> does not list as alive and returns them, to be closed.</summary>
    public List<PeerConnection> RemoveGone(MembershipView view)
    {
        lock (_gate)
        {
            List<SiloAddress> gone = [.. _peers.Keys.Where(s => view.StatusOf(s) is null or SiloStatus.Dead)];
            List<PeerConnection> stale = [.. gone.Select(s => _peers[s])];
            gone.ForEach(s => _peers.Remove(s));
            return stale;
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<PeerConnection> all;
        lock (_gate)
        {
            _disposed = true;
            all = [.. _peers.Values];
            _peers.Clear();
        }

        foreach (PeerConnection peer in all)
        {
            await peer.DisposeAsync().ConfigureAwait(false);
        }
    }
}
