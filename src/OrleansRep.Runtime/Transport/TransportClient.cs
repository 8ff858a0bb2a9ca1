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
    private readonly Stream? _stream;
    private readonly PipeReader _input;
    private readonly FrameSender _sender;
    private readonly TransportOptions _limits;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<long, PendingCall> _pending = new();
    private readonly CallDeadlineTimer _deadlines;
    // Never disposed: a call finishing after DisposeAsync still returns its slot (SemaphoreSlim holds no OS handle here).
    private readonly SemaphoreSlim _callSlots;
    private readonly Task _sending;
    private Task _reading = Task.CompletedTask;
    private long _lastCorrelationId;
    private volatile Exception? _closedBecause;

    /// <param name="stream">The socket or TLS stream the pipes run over (null for an in-memory connection).</param>
    private TransportClient(PipeReader input, PipeWriter output, Stream? stream, TransportOptions limits, TimeProvider timeProvider)
    {
        _stream = stream;
        _limits = limits;
        _timeProvider = timeProvider;
        _input = input;
        _sender = new FrameSender(output, limits.SendQueueCapacity);
        _callSlots = new SemaphoreSlim(limits.MaxConcurrentCalls, limits.MaxConcurrentCalls);
        _deadlines = new CallDeadlineTimer(timeProvider, ExpireDueCalls);
        _sending = _sender.RunAsync(CancellationToken.None);
    }

    /// <summary>What the server said it is when it accepted this client (<see cref="TransportServerOptions.ServerName"/>).</summary>
    public string ServerName { get; private set; } = "";

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
        if (options.Network is { } network)
        {
            IDuplexPipe pipe = network.Connect(endPoint);
            return await AuthenticateAsync(new TransportClient(pipe.Input, pipe.Output, null, options.Limits, timeProvider), options, endPoint, deadline, connecting.Token, cancellationToken).ConfigureAwait(false);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            await socket.ConnectAsync(endPoint, connecting.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            if (options.PinnedServerCertificate is { } pinned)
            {
                stream = await AuthenticateTlsAsync(stream, pinned, options.TargetHost, connecting.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }

            if (HandshakeTimedOut(e, endPoint, options, deadline, cancellationToken) is { } timedOut)
            {
                throw timedOut;
            }

            throw;
        }

        var client = new TransportClient(PipeReader.Create(stream), PipeWriter.Create(stream), stream, options.Limits, timeProvider);
        return await AuthenticateAsync(client, options, endPoint, deadline, connecting.Token, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends <paramref name="request"/> and waits for the response payload. Throws <see cref="RemoteCallException"/> if
    /// the handler threw, <see cref="CallTimeoutException"/> after <paramref name="timeout"/> (default
    /// <see cref="TransportOptions.DefaultCallTimeout"/>), <see cref="OperationCanceledException"/> when
    /// <paramref name="cancellationToken"/> fires, and <see cref="ConnectionClosedException"/> if the connection ends.
    /// Every failure, bad arguments included, arrives through the returned task.
    /// </summary>
    public async Task<byte[]> CallAsync(ReadOnlyMemory<byte> request, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        (byte[])(await CallAsync(request, CopyPayload, translateError: null, timeout, cancellationToken).ConfigureAwait(false))!;

    /// <summary>
    /// <see cref="CallAsync(ReadOnlyMemory{byte}, TimeSpan?, CancellationToken)"/> for a caller that decodes the response
    /// itself: <paramref name="decode"/> runs on the connection's read loop (its exception fails the call), and an
    /// error frame's <see cref="RemoteCallException"/> is passed through <paramref name="translateError"/>. The
    /// caller gets its result without another task or a copy of the payload.
    /// </summary>
    internal Task<object?> CallAsync(
        ReadOnlyMemory<byte> request, Func<ReadOnlySequence<byte>, object?> decode, Func<RemoteCallException, Exception>? translateError,
        TimeSpan? timeout, CancellationToken cancellationToken)
    {
        // Not async: a call that gets a slot and a queue place at once allocates no state machine, only its PendingCall.
        TimeSpan wait = timeout ?? _limits.DefaultCallTimeout;
        if (wait <= TimeSpan.Zero && wait != Timeout.InfiniteTimeSpan)
        {
            return Task.FromException<object?>(new ArgumentOutOfRangeException(nameof(timeout), timeout, "a call timeout must be positive or infinite"));
        }

        if (request.Length > _limits.MaxFrameSize)
        {
            return Task.FromException<object?>(new ArgumentException($"the request ({request.Length} bytes) exceeds the frame cap ({_limits.MaxFrameSize} bytes)", nameof(request)));
        }

        if (_closedBecause is { } reason)
        {
            return Task.FromException<object?>(new ConnectionClosedException(reason.Message, reason));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<object?>(cancellationToken);
        }

        return _callSlots.Wait(0, CancellationToken.None) ? Start(request, decode, translateError, wait, cancellationToken)
            : CallWhenSlotFreeAsync(request, decode, translateError, wait, cancellationToken);
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
        if (_stream is not null)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }

        // Ends a read the closed stream did not (an in-memory pipe waits for the server otherwise).
        _input.CancelPendingRead();
        await _reading.ConfigureAwait(false);
        FailPending();
        _deadlines.Dispose();
    }

    private static object? CopyPayload(ReadOnlySequence<byte> payload) => payload.ToArray();

    private async Task<object?> CallWhenSlotFreeAsync(
        ReadOnlyMemory<byte> request, Func<ReadOnlySequence<byte>, object?> decode, Func<RemoteCallException, Exception>? translateError,
        TimeSpan wait, CancellationToken cancellationToken)
    {
        await _callSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await Start(request, decode, translateError, wait, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Registers and sends a call that holds a slot; from here on the slot is returned by whoever finishes the call.</summary>
    private Task<object?> Start(
        ReadOnlyMemory<byte> request, Func<ReadOnlySequence<byte>, object?> decode, Func<RemoteCallException, Exception>? translateError,
        TimeSpan wait, CancellationToken cancellationToken)
    {
        var call = new PendingCall(this, Interlocked.Increment(ref _lastCorrelationId), wait, decode, translateError);
        _pending[call.Id] = call;

        // The read loop fails pending calls when it ends; a call registered just after that must fail itself.
        if (_closedBecause is { } reason)
        {
            Finish(call, new ConnectionClosedException(reason.Message, reason));
            return call.Task;
        }

        ValueTask sent = _sender.SendAsync(FrameKind.Request, call.Id, request.Span, cancellationToken);
        if (sent.IsCompletedSuccessfully)
        {
            OnSent(call, cancellationToken);
        }
        else
        {
            _ = OnSentAsync(sent, call, cancellationToken);
        }

        return call.Task;
    }

    /// <summary>The send queue was full: waits for room, then arms the call (or fails it if the send failed).</summary>
    private async Task OnSentAsync(ValueTask sent, PendingCall call, CancellationToken cancellationToken)
    {
        try
        {
            await sent.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The send's failure (closed, cancelled while waiting for room) is the call's outcome.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Finish(call, e);
            return;
        }

        OnSent(call, cancellationToken);
    }

    /// <summary>The request is on its way: start its timeout, and listen to the caller's token if it can fire at all.</summary>
    private void OnSent(PendingCall call, CancellationToken cancellationToken)
    {
        if (call.Timeout != Timeout.InfiniteTimeSpan)
        {
            call.Deadline = _deadlines.DeadlineAfter(_timeProvider.GetTimestamp(), call.Timeout);
            _deadlines.EnsureFiresBy(call.Deadline);
        }

        if (cancellationToken.CanBeCanceled)
        {
            // Runs at once if the token has already fired.
            call.Cancellation = cancellationToken.UnsafeRegister(
                static (state, token) => { var c = (PendingCall)state!; c.Owner.Abandon(c, new OperationCanceledException(token)); },
                call);
            if (call.IsFinished)
            {
                // The call finished before the registration was stored, so its cleanup could not undo it.
                call.Cancellation.Unregister();
            }
        }
    }

    /// <summary>The handshake on a new connection, then its read loop; a failure disposes the connection.</summary>
    private static async Task<TransportClient> AuthenticateAsync(
        TransportClient client, TransportClientOptions options, EndPoint endPoint, CancellationTokenSource deadline, CancellationToken connecting, CancellationToken cancellationToken)
    {
        try
        {
            await client.HandshakeAsync(options, connecting).ConfigureAwait(false);
            client._reading = client.ReadLoopAsync();
            return client;
        }
        catch (Exception e)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            if (HandshakeTimedOut(e, endPoint, options, deadline, cancellationToken) is { } timedOut)
            {
                throw timedOut;
            }

            throw;
        }
    }

    private static HandshakeRejectedException? HandshakeTimedOut(
        Exception e, EndPoint endPoint, TransportClientOptions options, CancellationTokenSource deadline, CancellationToken cancellationToken) =>
        e is OperationCanceledException && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested
            ? new HandshakeRejectedException($"the handshake with {endPoint} did not finish within {options.Limits.HandshakeTimeout}", e)
            : null;

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
            (FrameHeader verdict, byte[] serverName) = await FrameReader.ReadOneAsync(_input, _limits.MaxFrameSize, cancellationToken).ConfigureAwait(false);
            if (verdict.Kind != FrameKind.HandshakeAccepted || serverName.Length > HandshakeProtocol.MaxClientIdBytes)
            {
                throw new HandshakeRejectedException($"expected the handshake to be accepted, got {verdict}");
            }

            ServerName = System.Text.Encoding.UTF8.GetString(serverName);
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
                if (_pending.TryRemove(header.CorrelationId, out PendingCall? ok) && ok.TryFinish())
                {
                    Release(ok);
                    ok.SetResponse(payload);
                }

                break;
            case FrameKind.Error:
                if (_pending.TryRemove(header.CorrelationId, out PendingCall? failed) && failed.TryFinish())
                {
                    Release(failed);
                    failed.SetError(payload);
                }

                break;
            default:
                throw new ProtocolViolationException($"a server may not send a {header.Kind} frame after the handshake");
        }
    }

    /// <summary>Fails <paramref name="call"/> with <paramref name="error"/> (an <see cref="OperationCanceledException"/> cancels it), unless it already finished.</summary>
    private void Finish(PendingCall call, Exception error)
    {
        if (!call.TryFinish())
        {
            return;
        }

        Release(call);
        if (error is OperationCanceledException cancelled)
        {
            call.TrySetCanceled(cancelled.CancellationToken);
        }
        else
        {
            call.TrySetException(error);
        }
    }

    /// <summary>
    /// The caller stops waiting (timeout or its token) while the request is out: the cancel frame is queued before the
    /// caller sees the outcome, so the server's handler is told to stop too.
    /// </summary>
    private void Abandon(PendingCall call, Exception error)
    {
        if (!call.IsFinished && _pending.ContainsKey(call.Id))
        {
            ValueTask cancel = SendCancelAsync(call.Id);
            if (!cancel.IsCompleted)
            {
                _ = cancel.AsTask();
            }
        }

        Finish(call, error);
    }

    /// <summary>The deadline timer's sweep: times out every due call and re-arms for the earliest deadline left.</summary>
    private void ExpireDueCalls()
    {
        long now = _timeProvider.GetTimestamp();
        long earliest = long.MaxValue;
        // Enumerating the dictionary itself takes no locks and copies nothing (Values would do both).
        foreach ((_, PendingCall call) in _pending)
        {
            long deadline = call.Deadline;
            if (deadline <= now)
            {
                Abandon(call, new CallTimeoutException(call.Timeout));
            }
            else if (deadline < earliest)
            {
                earliest = deadline;
            }
        }

        if (earliest != long.MaxValue)
        {
            _deadlines.EnsureFiresBy(earliest);
        }
    }

    /// <summary>Gives back what a finished call held: its pending entry, its token registration and its slot.</summary>
    private void Release(PendingCall call)
    {
        _pending.TryRemove(call.Id, out _);
        // Unregister does not wait for a running callback (Dispose would, and the callback may be this very thread).
        call.Cancellation.Unregister();
        _callSlots.Release();
    }

    private async ValueTask SendCancelAsync(long id)
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
        foreach ((_, PendingCall call) in _pending)
        {
            Finish(call, reason);
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
