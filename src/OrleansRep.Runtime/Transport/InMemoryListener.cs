using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace OrleansRep.Runtime.Transport;

/// <summary>
/// A <see cref="TransportServer"/>'s endpoint on an <see cref="InMemoryNetwork"/>: runs each accepted connection through
/// the same <see cref="FrameConnectionHandler"/> Kestrel would. Stopping asks every connection to close, as Kestrel
/// does: its handlers are cancelled and its pipes complete, so the client sees the connection end as a socket close.
/// </summary>
internal sealed class InMemoryListener : IAsyncDisposable
{
    private readonly InMemoryNetwork _network;
    private readonly FrameConnectionHandler _handler;
    private readonly ConcurrentDictionary<Connection, Task> _running = new();
    private int _lastId;
    private volatile bool _stopped;

    public InMemoryListener(InMemoryNetwork network, IPEndPoint requested, FrameConnectionHandler handler)
    {
        _network = network;
        _handler = handler;
        EndPoint = network.Bind(requested, this);
    }

    public IPEndPoint EndPoint { get; }

    public void Accept(IDuplexPipe transport)
    {
        var connection = new Connection($"inmem-{EndPoint.Port}-{Interlocked.Increment(ref _lastId)}", transport);
        _running[connection] = RunAsync(connection);
        if (_stopped)
        {
            connection.RequestClose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopped = true;
        _network.Unbind(EndPoint, this);
        foreach ((Connection connection, _) in _running)
        {
            connection.RequestClose();
        }

        await Task.WhenAll(_running.Values).ConfigureAwait(false);
    }

    private async Task RunAsync(Connection connection)
    {
        await Task.Yield(); // the connecting client must not run the server's handshake on its own stack
        await _handler.OnConnectedAsync(connection).ConfigureAwait(false);
        _running.TryRemove(connection, out _);
    }

    /// <summary>One accepted connection, with the close request Kestrel's connections offer.</summary>
    private sealed class Connection : ConnectionContext, IConnectionLifetimeNotificationFeature
    {
        private readonly CancellationTokenSource _closeRequested = new();

        public Connection(string id, IDuplexPipe transport)
        {
            ConnectionId = id;
            Transport = transport;
            Features.Set<IConnectionLifetimeNotificationFeature>(this);
            ConnectionClosedRequested = _closeRequested.Token;
        }

        public override string ConnectionId { get; set; }

        public override IFeatureCollection Features { get; } = new FeatureCollection();

        public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

        public override IDuplexPipe Transport { get; set; }

        public CancellationToken ConnectionClosedRequested { get; set; }

        public void RequestClose() => _closeRequested.Cancel();
    }
}
