using OrleansRep.Replication.Inputs;
using Microsoft.Extensions.Logging;
using OrleansRep.Replication;

namespace OrleansRep.Grains.Shards;

/// <summary>The shard grains' log messages.</summary>
internal static partial class ShardLog
{
    [LoggerMessage(1, LogLevel.Information, "shard {Shard} on site {Site}: opened at {LogEnd}, role {Role}, gen {Gen}")]
    public static partial void Opened(ILogger logger, int shard, int site, string logEnd, RepRole role, uint gen);

    [LoggerMessage(2, LogLevel.Information, "shard {Shard} on site {Site}: {Event}")]
    public static partial void Event(ILogger logger, int shard, int site, RepEvent @event);

    [LoggerMessage(3, LogLevel.Warning, "shard {Shard} on site {Site}: a delivery from site {From} was refused: {Reason}")]
    public static partial void BadDelivery(ILogger logger, int shard, int site, int from, string reason);

    [LoggerMessage(4, LogLevel.Debug, "shard {Shard} on site {Site}: site {Peer} is {State}")]
    public static partial void Peer(ILogger logger, int shard, int site, int peer, string state);

    [LoggerMessage(5, LogLevel.Error, "shard {Shard} on site {Site}: a storage action failed")]
    public static partial void StorageFailed(ILogger logger, int shard, int site, Exception error);

    [LoggerMessage(6, LogLevel.Warning, "shard {Shard} on site {Site}: {Dropped} messages to site {Peer} dropped (queue full)")]
    public static partial void Dropped(ILogger logger, int shard, int site, int peer, long dropped);

    [LoggerMessage(7, LogLevel.Debug, "shard {Shard} on site {Site}: log archived, {Removed} files removed")]
    public static partial void Archived(ILogger logger, int shard, int site, int removed);

    [LoggerMessage(8, LogLevel.Warning, "shard {Shard} on site {Site}: member {Peer}'s endpoint {EndPoint} could not be registered: {Reason}")]
    public static partial void RegistrationFailed(ILogger logger, int shard, int site, int peer, string endPoint, string reason);

    [LoggerMessage(9, LogLevel.Warning, "shard {Shard} on site {Site}: this site was removed from the group (membership version {Version}); the replica takes no part any more")]
    public static partial void Retired(ILogger logger, int shard, int site, long version);

    [LoggerMessage(10, LogLevel.Warning, "shard {Shard} on site {Site}: master {Master} did not confirm that it stepped down ({Reason}); promoting without it")]
    public static partial void StepDownUnconfirmed(ILogger logger, int shard, int site, int master, string reason);

    [LoggerMessage(11, LogLevel.Information, "shard {Shard} on site {Site}: promotion waits {Ms} ms for a lease grant to expire ({Reason})")]
    public static partial void PromotionWaitsForLease(ILogger logger, int shard, int site, long ms, string reason);

    [LoggerMessage(12, LogLevel.Information, "shard {Shard} on site {Site}: promoted ({Mode}) to master in gen {Gen}; writes unavailable {UnavailableMs:F1} ms (previous master {Previous}, stepped down: {SteppedDown})")]
    public static partial void Promoted(ILogger logger, int shard, int site, PromotionMode mode, uint gen, double unavailableMs, int previous, bool steppedDown);

    [LoggerMessage(13, LogLevel.Information, "shard {Shard} on site {Site}: stepping down as master (for site {For})")]
    public static partial void SteppingDown(ILogger logger, int shard, int site, int @for);

    [LoggerMessage(14, LogLevel.Information, "shard {Shard}: handed over from site {Site} to site {To}, master in gen {Gen}; writes unavailable {UnavailableMs:F1} ms")]
    public static partial void HandedOver(ILogger logger, int shard, int site, int to, uint gen, double unavailableMs);
}
