using Microsoft.Extensions.Logging;

namespace OrleansRep.Grains.Backup;

internal static partial class BackupLog
{
    [LoggerMessage(1, LogLevel.Information, "site {Site}: backup to {Directory} started ({Environments})")]
    public static partial void Started(ILogger logger, int site, string directory, string environments);

    [LoggerMessage(2, LogLevel.Information, "site {Site}: backup to {Directory} done: {Bytes} bytes in {Seconds:F1} s")]
    public static partial void Done(ILogger logger, int site, string directory, long bytes, double seconds);

    [LoggerMessage(3, LogLevel.Warning, "site {Site}: backup to {Directory} failed: {Error}")]
    public static partial void Failed(ILogger logger, int site, string directory, string error);
}
