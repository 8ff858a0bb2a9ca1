using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace OrleansRep.Runtime.Transport;

/// <summary>The Kestrel entry point: each accepted (and, with TLS, decrypted) connection runs as a <see cref="ServerConnection"/>.</summary>
internal sealed class FrameConnectionHandler : ConnectionHandler
{
    private readonly TransportServerOptions _options;
    private readonly IFrameHandler _handler;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private int _openConnections;

    public FrameConnectionHandler(TransportServerOptions options, IFrameHandler handler, ILogger logger, TimeProvider timeProvider)
    {
        _options = options;
        _handler = handler;
        _logger = logger;
        _timeProvider = timeProvider;
    }

    /// <summary>Connections currently open (authenticated or not).</summary>
    public int OpenConnections => Volatile.Read(ref _openConnections);

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        Interlocked.Increment(ref _openConnections);
        try
        {
            using var session = new ServerConnection(connection, _options, _handler, _logger, _timeProvider);
            await session.RunAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // One connection's failure must never take the server down.
        catch (Exception e)
#pragma warning restore CA1031
        {
            TransportLog.ConnectionFailed(_logger, connection.ConnectionId, e);
        }
        finally
        {
            Interlocked.Decrement(ref _openConnections);
        }
    }
}
