using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace OrleansRep.Runtime.Transport;

/// <summary>
/// One authenticated connection to a <see cref="TransportServer"/>: many concurrent calls, each matched to its
/// response by correlation id, plus one-way messages. A call that times out or is cancelled sends a cancel frame so
/// the server's handler stops too.
/// </summary>
public sealed class TransportClient : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly PipeReader _input;
    private readonly FrameSender _sender;
    private readonly TransportOptions _limits;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<byte[]>> _pending = new();
    // Never disposed: a call finishing after DisposeAsync still returns its slot (SemaphoreSlim holds no OS handle here).
    private readonly SemaphoreSlim _callSlots;
    private readonly Task _sending;
    private Task _reading = Task.CompletedTask;
    private long _lastCorrelationId;
    private volatile Exception? _closedBecause;

    private TransportClient(Stream stream, TransportOptions limits, TimeProvider timeProvider)
    {
        _stream = stream;
        _limits = limits;
        _timeProvider = timeProvider;
        _input = PipeReader.Create(stream);
        _sender = new FrameSender(PipeWriter.Create(stream), limits.SendQueueCapacity);
        _callSlots = new SemaphoreSlim(limits.MaxConcurrentCalls, limits.MaxConcurrentCalls);
        _sending = _sender.RunAsync(CancellationToken.None);
    }

    /// <summary>True once the connection has ended; every later call throws <see cref="ConnectionClosedException"/>.</summary>
    public bool IsClosed => _closedBecause is not null;

    /// <summary>
    /// Connects, negotiates TLS if the options pin a certificate, and authenticates. Throws
    /// <see cref="HandshakeRejectedException"/> if the server refuses (or the handshake times out) and
    /// <see cref="System.Security.Authentication.AuthenticationException"/> if the server's certificate is not the pinned one.
    /// </summary>
    public static async Task<TransportClient> ConnectAsync(
        EndPoint endPoint, TransportClientOptions options, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        timeProvider ??= TimeProvider.System;
        using var deadline = new CancellationTokenSource(options.Limits.HandshakeTimeout, timeProvider);
        using var connecting = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        TransportClient? client = null;
        try
        {
            await socket.ConnectAsync(endPoint, connecting.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            if (options.PinnedServerCertificate is { } pinned)
            {
                stream = await AuthenticateTlsAsync(stream, pinned, options.TargetHost, connecting.Token).ConfigureAwait(false);
            }

            client = new TransportClient(stream, options.Limits, timeProvider);
            await client.HandshakeAsync(options, connecting.Token).ConfigureAwait(false);
            client._reading = client.ReadLoopAsync();
            return client;
        }
        catch (Exception e)
        {
            if (client is not null)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }
            else if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }

            if (e is OperationCanceledException && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new HandshakeRejectedException($"the handshake with {endPoint} did not finish within {options.Limits.HandshakeTimeout}", e);
            }

            throw;
        }
    }

    /// <summary>
    /// Sends <paramref name="request"/> and waits for the response payload. Throws <see cref="RemoteCallException"/> if
    /// the handler threw, <see cref="CallTimeoutException"/> after <paramref name="timeout"/> (default
    /// <see cref="TransportOptions.DefaultCallTimeout"/>), <see cref="OperationCanceledException"/> when
    /// <paramref name="cancellationToken"/> fires, and <see cref="ConnectionClosedException"/> if the connection ends.
    /// </summary>
    public async Task<byte[]> CallAsync(ReadOnlyMemory<byte> request, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        TimeSpan wait = timeout ?? _limits.DefaultCallTimeout;
        if (wait <= TimeSpan.Zero && wait != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "a call timeout must be positive or infinite");
        }

        if (request.Length > _limits.MaxFrameSize)
        {
            throw new ArgumentException($"the request ({request.Length} bytes) exceeds the frame cap ({_limits.MaxFrameSize} bytes)", nameof(request));
        }

        ThrowIfClosed();
        await _callSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        long id = Interlocked.Increment(ref _lastCorrelationId);
        var response = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = response;
        try
        {
            // The read loop fails pending calls when it ends; a call registered just after that must fail itself.
            ThrowIfClosed();
            await _sender.SendAsync(FrameKind.Request, id, request.Span, cancellationToken).ConfigureAwait(false);
            try
            {
                return await response.Task.WaitAsync(wait, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException) when (!response.Task.IsCompleted)
            {
                await SendCancelAsync(id).ConfigureAwait(false);
                throw new CallTimeoutException(wait);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !response.Task.IsCompleted)
            {
                await SendCancelAsync(id).ConfigureAwait(false);
                throw;
            }
        }
        finally
        {
            _pending.TryRemove(id, out _);
            _callSlots.Release();
        }
    }

    /// <summary>Queues a one-way message; completes once queued (delivery is not acknowledged).</summary>
    public ValueTask SendOneWayAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        if (message.Length > _limits.MaxFrameSize)
        {
            throw new ArgumentException($"the message ({message.Length} bytes) exceeds the frame cap ({_limits.MaxFrameSize} bytes)", nameof(message));
        }

        ThrowIfClosed();
        return _sender.SendAsync(FrameKind.OneWay, 0, message.Span, cancellationToken);
    }

    /// <summary>Sends what is queued, closes the connection and fails calls still waiting.</summary>
    public async ValueTask DisposeAsync()
    {
        _closedBecause ??= new ConnectionClosedException("the client was disposed");
        _sender.Close();
        await _sending.ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        await _reading.ConfigureAwait(false);
        FailPending();
    }

    private static async Task<Stream> AuthenticateTlsAsync(Stream stream, System.Security.Cryptography.X509Certificates.X509Certificate2 pinned, string targetHost, CancellationToken cancellationToken)
    {
        byte[] pinnedHash = pinned.GetCertHash(HashAlgorithmName.SHA256);
        var tls = new SslStream(stream, leaveInnerStreamOpen: false);
        var authentication = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            // Pinning replaces chain validation: only the cluster's own certificate is accepted, whoever signed it.
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is not null && CryptographicOperations.FixedTimeEquals(certificate.GetCertHash(HashAlgorithmName.SHA256), pinnedHash),
        };
        try
        {
            await tls.AuthenticateAsClientAsync(authentication, cancellationToken).ConfigureAwait(false);
            return tls;
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task HandshakeAsync(TransportClientOptions options, CancellationToken cancellationToken)
    {
        try
        {
            (FrameHeader challenge, byte[] nonce) = await FrameReader.ReadOneAsync(_input, _limits.MaxFrameSize, cancellationToken).ConfigureAwait(false);
            if (challenge.Kind != FrameKind.HandshakeChallenge || nonce.Length != HandshakeProtocol.NonceLength)
            {
                throw new HandshakeRejectedException($"expected a handshake challenge, got {challenge}");
            }

            byte[] answer = HandshakeProtocol.CreateResponse(options.ClusterSecret, nonce, options.ClientId, options.Roles);
            await _sender.SendAsync(FrameKind.HandshakeResponse, 0, answer, cancellationToken).ConfigureAwait(false);
            (FrameHeader verdict, _) = await FrameReader.ReadOneAsync(_input, _limits.MaxFrameSize, cancellationToken).ConfigureAwait(false);
            if (verdict.Kind != FrameKind.HandshakeAccepted)
            {
                throw new HandshakeRejectedException($"expected the handshake to be accepted, got {verdict}");
            }
        }
        catch (Exception e) when (e is ConnectionClosedException or IOException or FrameFormatException)
        {
            // The server closes the connection without a word on a failed handshake: it tells an attacker nothing.
            throw new HandshakeRejectedException("the server closed the connection during the handshake (wrong cluster secret?)", e);
        }
    }

    private async Task ReadLoopAsync()
    {
        Exception reason = new ConnectionClosedException("the server closed the connection");
        try
        {
            while (true)
            {
                ReadResult result = await _input.ReadAsync().ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                try
                {
                    while (FrameReader.TryRead(ref buffer, _limits.MaxFrameSize, out FrameHeader header, out ReadOnlySequence<byte> payload))
                    {
                        Complete(header, payload);
                    }

                    if (result.IsCompleted || result.IsCanceled)
                    {
                        return;
                    }
                }
                finally
                {
                    _input.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
#pragma warning disable CA1031 // Whatever ends the read loop ends the connection; callers see it as ConnectionClosedException.
        catch (Exception e)
#pragma warning restore CA1031
        {
            reason = new ConnectionClosedException("the connection failed: " + e.Message, e);
        }
        finally
        {
            _closedBecause ??= reason;
            _sender.Close();
            await _input.CompleteAsync().ConfigureAwait(false);
            FailPending();
        }
    }

    private void Complete(FrameHeader header, ReadOnlySequence<byte> payload)
    {
        switch (header.Kind)
        {
            case FrameKind.Response:
                if (_pending.TryRemove(header.CorrelationId, out TaskCompletionSource<byte[]>? ok))
                {
                    ok.TrySetResult(payload.ToArray());
                }

                break;
            case FrameKind.Error:
                if (_pending.TryRemove(header.CorrelationId, out TaskCompletionSource<byte[]>? failed))
                {
                    byte[] error = payload.ToArray();
                    failed.TrySetException(RemoteCallException.Decode(error));
                }

                break;
            default:
                throw new ProtocolViolationException($"a server may not send a {header.Kind} frame after the handshake");
        }
    }

    private async Task SendCancelAsync(long id)
    {
        try
        {
            await _sender.SendAsync(FrameKind.Cancel, id, default, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ConnectionClosedException)
        {
            // Nothing to cancel on a closed connection: the server cancelled every handler when it closed.
        }
    }

    private void FailPending()
    {
        Exception reason = _closedBecause ?? new ConnectionClosedException("the connection closed");
        foreach (long id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out TaskCompletionSource<byte[]>? call))
            {
                call.TrySetException(reason);
            }
        }
    }

    private void ThrowIfClosed()
    {
        if (_closedBecause is { } reason)
        {
            throw new ConnectionClosedException(reason.Message, reason);
        }
    }
}
