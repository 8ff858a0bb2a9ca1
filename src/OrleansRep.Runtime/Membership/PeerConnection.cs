using System.Net;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Membership;

/// <summary>
/// The membership agent's connection to one peer: connects on first use, and after a failure drops the connection so
/// the next call reconnects (a restarted peer is reached again without any bookkeeping by the caller).
/// </summary>
internal sealed class PeerConnection(EndPoint endPoint, TransportClientOptions options, TimeProvider timeProvider) : IAsyncDisposable
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private TransportClient? _client;
    private bool _disposed;

    /// <summary>
    /// Sends one request and returns the response; <paramref name="timeout"/> bounds the connect and the call together.
    /// Throws whatever the transport throws (connection refused, closed, timed out, remote error).
    /// </summary>
    public async Task<byte[]> CallAsync(byte[] request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        TransportClient client = await ConnectAsync(linked.Token).ConfigureAwait(false);
        try
        {
            return await client.CallAsync(request, timeout, linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ConnectionClosedException or CallTimeoutException or OperationCanceledException)
        {
            // A peer that does not answer in time may be gone; reconnect next time rather than queue behind it.
            await DropAsync(client).ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _connecting.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (_client is not null)
            {
                await _client.DisposeAsync().ConfigureAwait(false);
                _client = null;
            }
        }
        finally
        {
            _connecting.Release();
        }
    }

    private async Task<TransportClient> ConnectAsync(CancellationToken cancellationToken)
    {
        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_client is { IsClosed: false } open)
            {
                return open;
            }

            if (_client is not null)
            {
                await _client.DisposeAsync().ConfigureAwait(false);
                _client = null;
            }

            _client = await TransportClient.ConnectAsync(endPoint, options, timeProvider, cancellationToken).ConfigureAwait(false);
            return _client;
        }
        finally
        {
            _connecting.Release();
        }
    }

    private async Task DropAsync(TransportClient failed)
    {
        await _connecting.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (ReferenceEquals(_client, failed))
            {
                _client = null;
                await failed.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _connecting.Release();
        }
    }
}
