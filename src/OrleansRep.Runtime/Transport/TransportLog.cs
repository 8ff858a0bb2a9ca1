using Microsoft.Extensions.Logging;

namespace OrleansRep.Runtime.Transport;

/// <summary>The transport's log messages (source-generated, no allocation when the level is off).</summary>
internal static partial class TransportLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Connection {ConnectionId} from {Remote} authenticated as {ClientId} ({Roles})")]
    public static partial void Authenticated(ILogger logger, string connectionId, string? remote, string clientId, ClientRoles roles);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Connection {ConnectionId} from {Remote} closed: {Reason}")]
    public static partial void ConnectionRejected(ILogger logger, string connectionId, string? remote, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Connection {ConnectionId} closed (by the peer or at shutdown)")]
    public static partial void ConnectionEnded(ILogger logger, string connectionId);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Connection {ConnectionId} failed")]
    public static partial void ConnectionFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Handler failed a {Kind} on connection {ConnectionId}")]
    public static partial void HandlerFailed(ILogger logger, FrameKind kind, string connectionId, Exception exception);
}
