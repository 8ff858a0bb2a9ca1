namespace OrleansRep.Runtime.Transport;

/// <summary>The server's seam: what to do with each request or one-way payload from an authenticated caller.</summary>
public interface IFrameHandler
{
    /// <summary>
    /// Handles one <see cref="FrameKind.Request"/> or <see cref="FrameKind.OneWay"/> payload. For a request the
    /// returned bytes go back as the response; an exception goes back as an error frame (type name and message),
    /// which the caller sees as a <see cref="RemoteCallException"/>. For a one-way frame the result is ignored.
    /// Calls on one connection run concurrently. The handler starts on the connection's read loop, so it must not
    /// block before its first await. <paramref name="payload"/> is valid only until the returned task completes.
    /// <paramref name="cancellationToken"/> fires when the caller cancels or times out, or the connection closes.
    /// </summary>
    ValueTask<ReadOnlyMemory<byte>> HandleAsync(
        FrameKind kind, ReadOnlyMemory<byte> payload, CallerIdentity caller, CancellationToken cancellationToken);
}
