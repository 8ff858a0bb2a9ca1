using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace OrleansRep.Runtime.Transport;

/// <summary>
/// A network inside one process: servers bind endpoints on it and clients connect to them through pairs of in-memory
/// pipes instead of sockets. Everything above the byte carrier is the same (framing, handshake, correlation,
/// timeouts, frame caps); there is no TLS. Set it as <see cref="TransportServerOptions.Network"/> and
/// <see cref="TransportClientOptions.Network"/>. Endpoints are loopback addresses with ports handed out here, so a
/// server can bind the same endpoint again after it stopped, as a restarted process would.
/// </summary>
public sealed class InMemoryNetwork
{
    private readonly ConcurrentDictionary<IPEndPoint, InMemoryListener> _listeners = new();
    private int _lastPort;

    internal IPEndPoint Bind(IPEndPoint requested, InMemoryListener listener)
    {
        while (true)
        {
            var endPoint = requested.Port != 0
                ? requested
                : new IPEndPoint(requested.Address, Interlocked.Increment(ref _lastPort) % IPEndPoint.MaxPort + 1);
            if (_listeners.TryAdd(endPoint, listener))
            {
                return endPoint;
            }

            if (requested.Port != 0)
            {
                throw new SocketException((int)SocketError.AddressAlreadyInUse);
            }
        }
    }

    internal void Unbind(IPEndPoint endPoint, InMemoryListener listener) =>
        _listeners.TryRemove(KeyValuePair.Create(endPoint, listener));

    /// <summary>Connects to the server bound at <paramref name="endPoint"/>, or fails as a refused socket connect.</summary>
    internal IDuplexPipe Connect(EndPoint endPoint)
    {
        if (endPoint is not IPEndPoint ip || !_listeners.TryGetValue(ip, out var listener))
        {
            throw new SocketException((int)SocketError.ConnectionRefused);
        }

        var toServer = new Pipe();
        var toClient = new Pipe();
        listener.Accept(new DuplexPipe(toServer.Reader, toClient.Writer));
        return new DuplexPipe(toClient.Reader, toServer.Writer);
    }

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
