using Microsoft.Extensions.Logging;

namespace OrleansRep.Grains.Recovery;

/// <summary>The recovery grain's log messages.</summary>
internal static partial class RecoveryGrainLog
{
    [LoggerMessage(101, LogLevel.Warning, "site {Site} banned until {Until:O}: {Reason}")]
    public static partial void Banned(ILogger logger, int site, DateTimeOffset until, string reason);

    [LoggerMessage(102, LogLevel.Information, "site {Site} unbanned: {Reason}")]
    public static partial void Unbanned(ILogger logger, int site, string reason);

    [LoggerMessage(103, LogLevel.Warning, "site {Site} (banned) could not hand shard {Shard} over to site {To}: {Reason}")]
    public static partial void BanHandoverFailed(ILogger logger, int site, int shard, int to, string reason);

    [LoggerMessage(104, LogLevel.Information, "site {Site}: recovery under map generation {Generation} from recovery master {RecoveryMaster}: {Reason}")]
    public static partial void Recovery(ILogger logger, int site, long generation, int recoveryMaster, string reason);

    [LoggerMessage(105, LogLevel.Warning, "site {Site} started under a ban until {Until:O}: {Reason}")]
    public static partial void StillBanned(ILogger logger, int site, DateTimeOffset until, string reason);
}
