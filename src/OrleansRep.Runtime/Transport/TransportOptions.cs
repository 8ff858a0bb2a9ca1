namespace OrleansRep.Runtime.Transport;

/// <summary>Limits shared by both ends of a connection. The defaults suit a silo on a laptop or a server.</summary>
public sealed class TransportOptions
{
    /// <summary>Largest payload one frame may carry; a larger frame closes the connection. Default 16 MiB.</summary>
    public int MaxFrameSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>Frames queued for sending per connection before senders wait. Default 4096.</summary>
    public int SendQueueCapacity { get; init; } = 4096;

    /// <summary>
    /// Calls in flight per connection: a client waits for a free slot before sending, a server stops reading
    /// requests until a handler finishes. Default 4096.
    /// </summary>
    public int MaxConcurrentCalls { get; init; } = 4096;

    /// <summary>Time allowed for the whole handshake (and the TLS negotiation before it). Default 10 s.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Timeout of a call that does not pass its own. Default 30 s.</summary>
    public TimeSpan DefaultCallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFrameSize, 1024, nameof(MaxFrameSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(SendQueueCapacity, 1, nameof(SendQueueCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentCalls, 1, nameof(MaxConcurrentCalls));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HandshakeTimeout, TimeSpan.Zero, nameof(HandshakeTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DefaultCallTimeout, TimeSpan.Zero, nameof(DefaultCallTimeout));
    }
}
