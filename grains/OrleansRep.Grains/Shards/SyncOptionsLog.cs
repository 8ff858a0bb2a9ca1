using Microsoft.Extensions.Logging;

namespace OrleansRep.Grains.Shards;

/// <summary>Log messages of the sync options (<see cref="LogShardGrain"/>'s SetPriority and SyncNow). Ids from 60, apart
/// from <see cref="ShardLog"/>'s.</summary>
internal static partial class SyncOptionsLog
{
    [LoggerMessage(60, LogLevel.Information, "shard {Shard} on site {Site}: election priority {Previous} -> {Priority}")]
    public static partial void PriorityChanged(ILogger logger, int shard, int site, int previous, int priority);

    [LoggerMessage(61, LogLevel.Information, "shard {Shard} on site {Site}: sync requested (a held sync started: {Held})")]
    public static partial void SyncRequested(ILogger logger, int shard, int site, bool held);
}
