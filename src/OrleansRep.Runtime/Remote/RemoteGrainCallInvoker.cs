using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Remote;

/// <summary>
/// Delivers grain calls to a remote silo over one <see cref="TransportClient"/>: encodes the call with
/// <see cref="GrainCallCodec"/>, sends it, and decodes the result, or re-raises the remote exception as described by
/// <see cref="RemoteExceptionTranslator"/>. A <see cref="CancellationToken"/> argument cancels the call (the
/// transport sends a cancel frame, and the grain's own token fires); <see cref="ResponseTimeoutAttribute"/> sets the
/// method's timeout (else the connection's <see cref="TransportOptions.DefaultCallTimeout"/>).
/// The invoker does not own the connection.
/// </summary>
public sealed class RemoteGrainCallInvoker : IGrainCallInvoker
{
    private static readonly Func<RemoteCallException, Exception> TranslateError = RemoteExceptionTranslator.Recreate;

    private readonly TransportClient _connection;

    public RemoteGrainCallInvoker(TransportClient connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
    }

    /// <exception cref="CallTimeoutException">No result within the method's timeout.</exception>
    /// <exception cref="OperationCanceledException">The call's cancellation token fired.</exception>
    /// <exception cref="ConnectionClosedException">The connection to the silo ended.</exception>
    /// <exception cref="RemoteGrainException">The grain threw an exception of a type not re-created locally.</exception>
    public Task<object?> InvokeAsync(GrainCall request)
    {
        // Not async: the result is decoded on the connection's read loop, so the transport's task is the call's task.
        try
        {
            ArgumentNullException.ThrowIfNull(request);
            var remoteInterface = RemoteInterface.Get(request.InterfaceType);
            var method = remoteInterface.GetMethod(request.Method);
            if (request.Arguments.Count != method.ParameterTypes.Count)
            {
                throw new ArgumentException($"{method.Signature} takes {method.ParameterTypes.Count} arguments, got {request.Arguments.Count}.", nameof(request));
            }

            var cancellationToken = method.CancellationTokenIndex >= 0 && request.Arguments[method.CancellationTokenIndex] is CancellationToken token
                ? token
                : CancellationToken.None;
            byte[] payload = GrainCallCodec.EncodeCall(request, remoteInterface, method);
            return _connection.CallAsync(payload, method.DecodeResult, TranslateError, method.Timeout, cancellationToken);
        }
#pragma warning disable CA1031 // Every failure (a bad call, an argument that cannot be encoded) arrives through the call's task.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return Task.FromException<object?>(e);
        }
    }
}
