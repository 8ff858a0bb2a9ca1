using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

namespace OrleansRep.Runtime.Transport;

/// <summary>
/// One accepted connection on the server: the handshake, then a read loop that hands requests and one-way frames to
/// the <see cref="IFrameHandler"/> concurrently and routes cancel frames to the call they name. Anything outside the
/// protocol ends this connection (and only this one) with a logged reason.
/// </summary>
internal sealed class ServerConnection : IDisposable
{
    private readonly ConnectionContext _connection;
    private readonly TransportServerOptions _options;
    private readonly IFrameHandler _handler;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly FrameSender _sender;
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _inFlight = new();
    private readonly SemaphoreSlim _callSlots;
    private readonly CancellationTokenSource _closing = new();

    public ServerConnection(
        ConnectionContext connection, TransportServerOptions options, IFrameHandler handler, ILogger logger, TimeProvider timeProvider)
    {
        _connection = connection;
        _options = options;
        _handler = handler;
        _logger = logger;
        _timeProvider = timeProvider;
        _sender = new FrameSender(connection.Transport.Output, options.Limits.SendQueueCapacity);
        _callSlots = new SemaphoreSlim(options.Limits.MaxConcurrentCalls, options.Limits.MaxConcurrentCalls);
        // One registration for the connection instead of a linked token source per request: closing cancels every call.
        _closing.Token.UnsafeRegister(static state => ((ServerConnection)state!).CancelInFlight(), this);
    }

    private string Remote => _connection.RemoteEndPoint?.ToString() ?? "?";

    public async Task RunAsync()
    {
        Task sending = _sender.RunAsync(CancellationToken.None);
        // Kestrel asks open connections to close when the server stops; in-flight handlers are cancelled.
        CancellationToken closeRequested =
            _connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
        using CancellationTokenRegistration shutdown = closeRequested.Register(
            static closing => ((CancellationTokenSource)closing!).Cancel(), _closing);
        try
        {
            CallerIdentity? caller = await AuthenticateAsync().ConfigureAwait(false);
            if (caller is not null)
            {
                TransportLog.Authenticated(_logger, _connection.ConnectionId, Remote, caller.ClientId, caller.Roles);
                await ReadLoopAsync(caller).ConfigureAwait(false);
                TransportLog.ConnectionEnded(_logger, _connection.ConnectionId);
            }
        }
        catch (FrameFormatException e)
        {
            TransportLog.ConnectionRejected(_logger, _connection.ConnectionId, Remote, "malformed frame: " + e.Message);
        }
        catch (ProtocolViolationException e)
        {
            TransportLog.ConnectionRejected(_logger, _connection.ConnectionId, Remote, e.Message);
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            TransportLog.ConnectionEnded(_logger, _connection.ConnectionId);
        }
        catch (Exception e) when (e is ConnectionClosedException or IOException or ConnectionResetException or OperationCanceledException)
        {
            TransportLog.ConnectionRejected(_logger, _connection.ConnectionId, Remote, e.Message);
        }
        finally
        {
            await _closing.CancelAsync().ConfigureAwait(false);
            await DrainHandlersAsync().ConfigureAwait(false);
            _sender.Close();
            await sending.ConfigureAwait(false);
            await _connection.Transport.Input.CompleteAsync().ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _closing.Dispose();
        _callSlots.Dispose();
    }

    /// <summary>Waits until every handler (already told to cancel) has returned its slot, so none outlives the connection.</summary>
    private async Task DrainHandlersAsync()
    {
        for (int i = 0; i < _options.Limits.MaxConcurrentCalls; i++)
        {
            await _callSlots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Challenge, verify, accept. Returns null (after logging why) when the client fails.</summary>
    private async Task<CallerIdentity?> AuthenticateAsync()
    {
        byte[] nonce = HandshakeProtocol.CreateNonce();
        await _sender.SendAsync(FrameKind.HandshakeChallenge, 0, nonce, CancellationToken.None).ConfigureAwait(false);
        using var deadline = new CancellationTokenSource(_options.Limits.HandshakeTimeout, _timeProvider);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, _closing.Token);
        (FrameHeader header, byte[] payload) = await FrameReader
            .ReadOneAsync(_connection.Transport.Input, _options.Limits.MaxFrameSize, waiting.Token)
            .ConfigureAwait(false);
        if (header.Kind != FrameKind.HandshakeResponse)
        {
            throw new ProtocolViolationException($"unauthenticated {header.Kind} frame before the handshake");
        }

        var proven = HandshakeProtocol.Verify(_options, nonce, payload, out string? failure);
        if (proven is not { } identity)
        {
            TransportLog.ConnectionRejected(_logger, _connection.ConnectionId, Remote, "handshake failed: " + failure);
            return null;
        }

        await _sender.SendAsync(FrameKind.HandshakeAccepted, 0, System.Text.Encoding.UTF8.GetBytes(_options.ServerName), CancellationToken.None).ConfigureAwait(false);
        return new CallerIdentity(identity.ClientId, identity.Roles, _connection.ConnectionId);
    }

    private async Task ReadLoopAsync(CallerIdentity caller)
    {
        PipeReader input = _connection.Transport.Input;
        int maxPayload = _options.Limits.MaxFrameSize;
        while (true)
        {
            ReadResult result = await input.ReadAsync(_closing.Token).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            try
            {
                while (FrameReader.TryRead(ref buffer, maxPayload, out FrameHeader header, out ReadOnlySequence<byte> payload))
                {
                    switch (header.Kind)
                    {
                        case FrameKind.Request:
                        case FrameKind.OneWay:
                            // Wait for a slot before taking more requests: a flood of calls backs up into TCP, not memory.
                            await _callSlots.WaitAsync(_closing.Token).ConfigureAwait(false);
                            Dispatch(header, payload, caller);
                            break;
                        case FrameKind.Cancel:
                            if (_inFlight.TryGetValue(header.CorrelationId, out CancellationTokenSource? call))
                            {
                                // Cancel, not CancelAsync: an unobserved ObjectDisposedException from a call that just ended must not end the connection.
                                TryCancel(call);
                            }

                            break;
                        default:
                            throw new ProtocolViolationException($"a client may not send a {header.Kind} frame");
                    }
                }

                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        throw new FrameFormatException($"connection ended inside a frame ({buffer.Length} bytes left)");
                    }

                    return;
                }
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
    }

    private void Dispatch(FrameHeader header, ReadOnlySequence<byte> payload, CallerIdentity caller)
    {
        // The pipe's memory is reused once we advance past it, and the handler may outlive this read.
        int length = (int)payload.Length;
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        payload.CopyTo(rented);
        if (header.Kind == FrameKind.OneWay)
        {
            // Nobody can cancel a one-way message (it has no correlation id): only closing stops its handler.
            _ = HandleAsync(header, rented, length, caller, call: null);
            return;
        }

        var call = new CancellationTokenSource();
        if (!_inFlight.TryAdd(header.CorrelationId, call))
        {
            call.Dispose();
            ArrayPool<byte>.Shared.Return(rented);
            _callSlots.Release();
            throw new ProtocolViolationException($"correlation id {header.CorrelationId} is already in flight");
        }

        if (_closing.IsCancellationRequested)
        {
            // Closing began after its sweep of the in-flight calls: this one cancels itself.
            call.Cancel();
        }

        _ = HandleAsync(header, rented, length, caller, call);
    }

    /// <summary>Closing the connection cancels every request still in flight.</summary>
    private void CancelInFlight()
    {
        foreach ((_, CancellationTokenSource call) in _inFlight)
        {
            TryCancel(call);
        }
    }

    private static void TryCancel(CancellationTokenSource call)
    {
        try
        {
            call.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The handler finished (and disposed its source) between the lookup and the cancel: nothing to stop.
        }
    }

    private async Task HandleAsync(FrameHeader header, byte[] rented, int length, CallerIdentity caller, CancellationTokenSource? call)
    {
        CancellationToken token = call?.Token ?? _closing.Token;
        try
        {
            ReadOnlyMemory<byte> response = await _handler
                .HandleAsync(header.Kind, rented.AsMemory(0, length), caller, token)
                .ConfigureAwait(false);
            if (header.Kind == FrameKind.Request)
            {
                await _sender.SendAsync(FrameKind.Response, header.CorrelationId, response.Span, _closing.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (token.IsCancellationRequested && e is OperationCanceledException)
        {
            // The caller gave up (or the connection closed): nobody waits for an answer.
        }
        catch (Exception e) when (e is ConnectionClosedException || _closing.IsCancellationRequested)
        {
            // The connection is going away; its read loop logs why.
        }
#pragma warning disable CA1031 // Any handler failure becomes an error frame for the caller; it must not end the connection.
        catch (Exception e)
#pragma warning restore CA1031
        {
            TransportLog.HandlerFailed(_logger, header.Kind, _connection.ConnectionId, e);
            if (header.Kind == FrameKind.Request)
            {
                await SendErrorAsync(header.CorrelationId, e).ConfigureAwait(false);
            }
        }
        finally
        {
            if (call is not null)
            {
                _inFlight.TryRemove(new KeyValuePair<long, CancellationTokenSource>(header.CorrelationId, call));
                call.Dispose();
            }

            ArrayPool<byte>.Shared.Return(rented);
            _callSlots.Release();
        }
    }

    private async Task SendErrorAsync(long correlationId, Exception error)
    {
        try
        {
            await _sender.SendAsync(FrameKind.Error, correlationId, RemoteCallException.Encode(error), _closing.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ConnectionClosedException or OperationCanceledException)
        {
            // The connection closed while the handler ran; nobody can receive the error.
        }
    }
}
