namespace OrleansRep.Runtime.Transport;

/// <summary>What a frame carries. The value is the frame's kind byte on the wire; never renumber.</summary>
public enum FrameKind : byte
{
    /// <summary>Server to client, first frame on a connection: a random nonce to answer.</summary>
    HandshakeChallenge = 1,

    /// <summary>Client to server: roles, client id and HMAC(secret, nonce || roles || client id).</summary>
    HandshakeResponse = 2,

    /// <summary>Server to client: the handshake succeeded; calls may follow.</summary>
    HandshakeAccepted = 3,

    /// <summary>A call that expects a <see cref="Response"/> or an <see cref="Error"/> with the same correlation id.</summary>
    Request = 4,

    /// <summary>The successful answer to a <see cref="Request"/>.</summary>
    Response = 5,

    /// <summary>A message that expects no answer.</summary>
    OneWay = 6,

    /// <summary>The caller gave up on the request with this correlation id (cancelled or timed out).</summary>
    Cancel = 7,

    /// <summary>The handler failed; the payload carries the exception's type name and message.</summary>
    Error = 8,
}
