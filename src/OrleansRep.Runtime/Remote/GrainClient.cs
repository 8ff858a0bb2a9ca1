using System.Net;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Remote;

/// <summary>
/// A connection to a cluster from outside it (Orleans' <c>IClusterClient</c>): it connects to a silo gateway
/// (<see cref="GrainCallHandler"/> behind a <see cref="TransportServer"/>) with credentials, learns the silo's
/// grain manifest, and makes grain references whose calls go over that connection.
/// </summary>
public sealed class GrainClient : IGrainFactory, IAsyncDisposable
{
    private readonly TransportClient _connection;
    private readonly GrainFactory _factory;

    private GrainClient(TransportClient connection, GrainManifest manifest)
    {
        _connection = connection;
        _factory = new GrainFactory(new RemoteGrainCallInvoker(connection), manifest);
    }

    /// <summary>What the gateway said it is when it accepted this client (a silo gives its site id, if it has one).</summary>
    public string ServerName => _connection.ServerName;

    /// <summary>True once the connection has ended; later calls fail with <see cref="ConnectionClosedException"/>.</summary>
    public bool IsClosed => _connection.IsClosed;

    /// <summary>Connects, authenticates and fetches the manifest.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="HandshakeRejectedException">The gateway refused the credentials.</exception>
    /// <exception cref="GrainAccessDeniedException">The client's roles do not include <see cref="ClientRoles.Read"/>.</exception>
    public static async Task<GrainClient> ConnectAsync(
        EndPoint gateway, GrainClientOptions options, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(options);
        var connection = await TransportClient.ConnectAsync(gateway, options.ToTransportOptions(), timeProvider, cancellationToken).ConfigureAwait(false);
        try
        {
            byte[] response = await connection.CallAsync(GrainCallCodec.EncodeManifestRequest(), cancellationToken: cancellationToken).ConfigureAwait(false);
            return new GrainClient(connection, new GrainManifest(GrainCallCodec.DecodeManifest(response)));
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc cref="IGrainFactory.GetGrain{TGrainInterface}(string)"/>
    public TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey =>
        _factory.GetGrain<TGrainInterface>(key);

    /// <summary>Closes the connection; calls still waiting fail with <see cref="ConnectionClosedException"/>.</summary>
    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
