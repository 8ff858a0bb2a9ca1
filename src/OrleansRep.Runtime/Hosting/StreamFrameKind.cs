namespace OrleansRep.Runtime.Hosting;

/// <summary>The second byte of a stream frame (after <see cref="StreamFrameCodec.Marker"/>). Never renumber.</summary>
internal enum StreamFrameKind : byte
{
    /// <summary>To the owner: publish a batch. Answer: [status 0][published: int32], or [status 1][offered][last] for an out-of-order token.</summary>
    Publish = 1,

    /// <summary>To the owner: complete the stream.</summary>
    Complete = 2,

    /// <summary>To the owner: subscribe the sending silo (subscription id, its address, optional from-token).</summary>
    Subscribe = 3,

    /// <summary>To the owner: end a remote subscription (no final call).</summary>
    Unsubscribe = 4,

    /// <summary>To the subscriber's silo: one batch, numbered; the (empty) answer is the credit coming back.</summary>
    Deliver = 5,

    /// <summary>To the subscriber's silo: the subscription ended (completed, fell behind, faulted).</summary>
    End = 6,
}
