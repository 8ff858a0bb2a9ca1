using Microsoft.Extensions.Logging;

namespace OrleansRep.Runtime.Core;

/// <summary>The runtime core's log messages (source-generated, so a disabled level costs nothing).</summary>
internal static partial class CoreLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Grain {GrainId}: timer callback failed")]
    public static partial void TimerCallbackFailed(ILogger logger, GrainId grainId, Exception exception);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Grain {GrainId}: OnDeactivateAsync failed ({Reason})")]
    public static partial void DeactivationFailed(ILogger logger, GrainId grainId, DeactivationReason reason, Exception exception);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Grain {GrainId}: activation failed")]
    public static partial void ActivationFailed(ILogger logger, GrainId grainId, Exception exception);
}
