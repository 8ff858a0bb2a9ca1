using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OrleansRep.Runtime.Transport;

/// <summary>
/// A frame server: Kestrel accepts TCP connections (TLS when a certificate is set) and runs each through the
/// handshake and then the <see cref="IFrameHandler"/>. No HTTP is spoken. With
/// <see cref="TransportServerOptions.Network"/> set, connections come through that <see cref="InMemoryNetwork"/> instead.
/// </summary>
public sealed class TransportServer : IAsyncDisposable
{
    private readonly IAsyncDisposable _listener;
    private readonly FrameConnectionHandler _connections;

    private TransportServer(IAsyncDisposable listener, FrameConnectionHandler connections, IPEndPoint endPoint)
    {
        _listener = listener;
        _connections = connections;
        EndPoint = endPoint;
    }

    /// <summary>The bound address (with the actual port when the options asked for port 0).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Connections currently open, authenticated or not.</summary>
    public int OpenConnections => _connections.OpenConnections;

    /// <summary>Validates the options, binds and starts accepting connections.</summary>
    public static async Task<TransportServer> StartAsync(
        TransportServerOptions options,
        IFrameHandler handler,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        options.Validate();
        ILogger logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<TransportServer>();
        var connections = new FrameConnectionHandler(options, handler, logger, timeProvider ?? TimeProvider.System);
        if (options.Network is { } network)
        {
            var inMemory = new InMemoryListener(network, options.EndPoint, connections);
            return new TransportServer(inMemory, connections, inMemory.EndPoint);
        }

        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        if (options.Certificate is not null)
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
        }

        builder.Services.AddSingleton(connections);
        ListenOptions? listen = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(options.EndPoint, listenOptions =>
            {
                listen = listenOptions;
                if (options.Certificate is not null)
                {
                    // TLS sits below the connection handler: the handler only ever sees decrypted frames.
                    listenOptions.UseHttps(options.Certificate, https => https.HandshakeTimeout = options.Limits.HandshakeTimeout);
                }

                listenOptions.UseConnectionHandler<FrameConnectionHandler>();
            });
        });

        WebApplication app = builder.Build();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        // Kestrel writes the bound port back into the listen options once it has bound.
        IPEndPoint bound = listen?.IPEndPoint ?? throw new InvalidOperationException("Kestrel did not configure the endpoint");
        return new TransportServer(app, connections, bound);
    }

    /// <summary>Stops accepting, closes open connections and releases the port.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_listener is WebApplication app)
        {
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        await _listener.DisposeAsync().ConfigureAwait(false);
    }
}
